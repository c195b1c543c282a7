#pragma once

// The byte-level encoding shared by every stored value: LEB128 varints,
// varint-length-prefixed strings and the leading format byte.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::storage::detail {

/// Appends `x` to `out` as an unsigned LEB128 varint (1 to 10 bytes).
void put_varint(std::string& out, std::uint64_t x);

/// Appends `x` to `out` as its varint length, then its bytes.
void put_bytes(std::string& out, std::string_view x);

/// Why a read from a `reader` failed.
enum class read_status {
  ok,
  truncated, ///< the input ended inside the value
  malformed, ///< a varint longer than 10 bytes or above 2^64 - 1
};

/// Reads values written by put_varint and put_bytes from the front of a byte
/// view. Not thread-safe; views only, so the input must outlive it.
class reader {
 public:
  /// Reads from `bytes`.
  explicit reader(std::string_view bytes) noexcept : rest_(bytes) {}

  /// Reads one raw byte.
  [[nodiscard]] read_status byte(std::uint8_t& x) noexcept;

  /// Reads one varint.
  [[nodiscard]] read_status varint(std::uint64_t& x) noexcept;

  /// Reads one length-prefixed string (a view into the input).
  [[nodiscard]] read_status bytes(std::string_view& x) noexcept;

  /// The bytes not read yet.
  [[nodiscard]] std::string_view rest() const noexcept { return rest_; }

 private:
  std::string_view rest_;
};

/// Reads the format byte at the front of `r`'s input: nullopt when it is
/// this build's record_format, else the problem ("record format 7 is unknown
/// (this build reads 1)", or a truncation for an empty value).
[[nodiscard]] std::optional<std::string> read_format(reader& r);

/// Reads the format byte into `format`: nullopt when it is 1 to `newest`,
/// else the problem ("record format 7 is unknown (this build reads 1 to
/// 2)").
[[nodiscard]] std::optional<std::string>
read_format(reader& r, std::uint8_t newest, std::uint8_t& format);

} // namespace warden::storage::detail
