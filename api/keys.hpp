#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace warden::api {

/// A SHA-256 digest.
using digest = std::array<std::uint8_t, 32>;

/// The SHA-256 digest of `text`.
[[nodiscard]] digest sha256(std::string_view text);

/// `x` as 64 lowercase hex digits.
[[nodiscard]] std::string to_hex(const digest& x);

/// The digest written as 64 hex digits (either case); nothing for any
/// other text.
[[nodiscard]] std::optional<digest> parse_digest(std::string_view hex);

/// A new API key: "wk_" and 43 base64url characters, 256 bits from
/// OpenSSL's random generator. Throws std::runtime_error when the
/// generator fails (it never returns a weak key).
[[nodiscard]] std::string new_key();

/// One key the node accepts, as configured: only the digest of the key is
/// kept, never the key.
struct key_entry {
  /// The key's name in the configuration ([api.keys.<id>]); safe to log.
  std::string id;
  /// The tenant the key speaks for; empty for an admin key.
  std::string tenant;
  /// Whether the key may use the operator endpoints.
  bool admin = false;
  /// SHA-256 of the key.
  digest sha256{};
};

/// Who a request speaks for, once its key is known.
struct principal {
  /// The key's id.
  std::string key_id;
  /// The tenant it speaks for; empty for an admin key.
  std::string tenant;
  bool admin = false;
};

/// Why a request's credentials were refused. Messages never repeat what
/// the client sent.
enum class key_refusal : std::uint8_t {
  missing,   ///< no Authorization header
  malformed, ///< not "Bearer <token>", or a token of the wrong size
  unknown,   ///< a well-formed token no configured key has
};

/// The refusal's name: "missing", "malformed" or "unknown" (metric labels).
[[nodiscard]] const char* to_string(key_refusal x) noexcept;

/// A sentence for people about `x` ("the API key is not known").
[[nodiscard]] const char* to_message(key_refusal x) noexcept;

/// The keys a node accepts. Immutable once built: a reload (SIGHUP) builds
/// a new table and swaps it in whole, so readers on any thread need no
/// lock beyond holding their copy.
///
/// A request's bearer token is hashed and compared with every configured
/// digest in constant time (CRYPTO_memcmp, no early exit): how long a check
/// takes depends on the number of keys, never on how much of a guess
/// matched. Only digests are held, so a memory dump or a leaked config
/// gives no usable key.
class key_table {
 public:
  key_table() = default;

  explicit key_table(std::vector<key_entry> keys);

  /// Who the `Authorization` header `authorization` speaks for (absent:
  /// nullopt), or why it is refused. The scheme is matched without regard
  /// to case (RFC 9110); the token is taken as is.
  [[nodiscard]] std::variant<principal, key_refusal>
  authenticate(std::optional<std::string_view> authorization) const;

  /// Keys configured.
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

  /// The longest token looked at; longer ones are malformed without being
  /// hashed.
  static constexpr std::size_t max_token_bytes = 512;

 private:
  std::vector<key_entry> keys_;
};

} // namespace warden::api
