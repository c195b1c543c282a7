#include "storage/detail/log_scan.hpp"

#include <array>
#include <fstream>
#include <sstream>

namespace warden::storage::detail {

namespace {

/// RocksDB's log format: 32 KiB blocks; each physical record has a 7-byte
/// header (masked CRC-32C of type and payload: 4, payload length: 2, type:
/// 1), or 11 bytes for the recyclable types (the log number follows the
/// type). A block tail shorter than a header is zero padding.
constexpr std::size_t block_size = 32768;
constexpr std::size_t header_size = 7;
constexpr std::size_t recyclable_header_size = 11;

/// Record types (RocksDB's db/log_format.h): 0 zero (preallocated space),
/// 1 to 4 full, first, middle and last fragments, 5 to 8 their recyclable
/// forms, 9 and up metadata records of later versions (accepted, so that a
/// newer writer's records do not read as damage).
constexpr std::uint8_t zero_type = 0;
constexpr std::uint8_t max_type = 11;

std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    auto c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}

std::uint32_t unmask(std::uint32_t masked) noexcept {
  auto rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

std::uint32_t read_le32(const char* p) noexcept {
  auto b = [&](int i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i]));
  };
  return b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24);
}

std::uint32_t read_le16(const char* p) noexcept {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(p[0])) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(p[1])) << 8);
}

bool recyclable(std::uint8_t type) noexcept {
  return (type >= 5 && type <= 8) || type == 11;
}

enum class record_check { intact, padding, damaged, truncated };

/// Checks the physical record at `at` inside the block ending at
/// `block_end`; on success `next` is the offset after it.
record_check check_record(const std::string& bytes, std::size_t at,
                          std::size_t block_end, std::size_t& next) {
  if (block_end - at < header_size) {
    // A block tail too short for a header is padding (zeros) when the
    // block is complete; at the end of the file, a header cut short.
    return block_end == bytes.size() && block_end - at > 0 &&
                   block_end % block_size != 0
               ? record_check::truncated
               : record_check::padding;
  }
  const char* p = bytes.data() + at;
  auto type = static_cast<std::uint8_t>(p[6]);
  auto length = read_le16(p + 4);
  if (type == zero_type && length == 0)
    return record_check::padding; // preallocated, never written
  if (type > max_type)
    return record_check::damaged;
  auto header = recyclable(type) ? recyclable_header_size : header_size;
  if (at + header + length > block_end)
    return block_end == bytes.size() ? record_check::truncated
                                     : record_check::damaged;
  auto expected = unmask(read_le32(p));
  // The CRC covers the type byte and the payload (and, for recyclable
  // records, the log number between them).
  auto actual = crc32c(0, p + 6, header - 6 + length);
  if (actual != expected)
    return record_check::damaged;
  next = at + header + length;
  return record_check::intact;
}

/// Whether any intact record starts in [from, block_end).
bool intact_record_in(const std::string& bytes, std::size_t from,
                      std::size_t block_end) {
  for (auto at = from; at + header_size <= block_end; ++at) {
    std::size_t next = 0;
    if (check_record(bytes, at, block_end, next) == record_check::intact)
      return true;
  }
  return false;
}

} // namespace

std::uint32_t crc32c(std::uint32_t crc, const char* data,
                     std::size_t n) noexcept {
  static const auto table = make_table();
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i)
    crc =
        table[(crc ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (crc >> 8);
  return ~crc;
}

log_scan scan_log_bytes(const std::string& bytes) {
  log_scan result;
  result.size = bytes.size();
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto block_end = std::min(bytes.size(), (at / block_size + 1) * block_size);
    std::size_t next = 0;
    switch (check_record(bytes, at, block_end, next)) {
    case record_check::intact:
      ++result.records;
      at = next;
      continue;
    case record_check::padding:
      at = block_end;
      continue;
    case record_check::truncated:
      result.truncated_tail = true;
      return result;
    case record_check::damaged:
      break;
    }
    result.damage_at = at;
    // The damaged record's length cannot be trusted: look for an intact
    // record at every later offset of its block, then at the start of
    // every later block (records never straddle a block boundary without a
    // header of their own).
    result.intact_after_damage = intact_record_in(bytes, at + 1, block_end);
    for (auto block = block_end;
         !result.intact_after_damage && block + header_size <= bytes.size();
         block += block_size) {
      auto end = std::min(bytes.size(), block + block_size);
      std::size_t ignored = 0;
      result.intact_after_damage =
          check_record(bytes, block, end, ignored) == record_check::intact;
    }
    return result;
  }
  return result;
}

read_result<log_scan> scan_log_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return read_failure<log_scan>("scan " + path, "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return {scan_log_bytes(text.str()), std::nullopt};
}

} // namespace warden::storage::detail
