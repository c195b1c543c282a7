#include "api/keys.hpp"

#include <algorithm>
#include <cctype>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdexcept>
#include <utility>

namespace warden::api {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Whether `text` starts with `prefix`, ASCII case aside.
bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

} // namespace

digest sha256(std::string_view text) {
  digest result{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), result.data(), &size, EVP_sha256(),
                 nullptr) != 1 ||
      size != result.size())
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  return result;
}

std::string to_hex(const digest& x) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  result.reserve(x.size() * 2);
  for (auto byte : x) {
    result.push_back(digits[byte >> 4]);
    result.push_back(digits[byte & 0x0f]);
  }
  return result;
}

std::optional<digest> parse_digest(std::string_view hex) {
  digest result{};
  if (hex.size() != result.size() * 2)
    return std::nullopt;
  for (std::size_t i = 0; i < result.size(); ++i) {
    auto high = hex_value(hex[2 * i]);
    auto low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0)
      return std::nullopt;
    result[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return result;
}

std::string new_key() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("OpenSSL's random generator failed");
  // Base64 of 32 bytes: 43 characters and one '='.
  std::array<unsigned char, 45> text{};
  auto n = EVP_EncodeBlock(text.data(), bytes.data(),
                           static_cast<int>(bytes.size()));
  std::string result = "wk_";
  for (int i = 0; i < n; ++i) {
    auto c = static_cast<char>(text[static_cast<std::size_t>(i)]);
    if (c == '=')
      break;
    result.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return result;
}

const char* to_string(key_refusal x) noexcept {
  switch (x) {
  case key_refusal::missing:
    return "missing";
  case key_refusal::malformed:
    return "malformed";
  case key_refusal::unknown:
    return "unknown";
  }
  return "unknown";
}

const char* to_message(key_refusal x) noexcept {
  switch (x) {
  case key_refusal::missing:
    return "the request has no Authorization header (Bearer <API key>)";
  case key_refusal::malformed:
    return "the Authorization header is not a Bearer token of an API key";
  case key_refusal::unknown:
    return "the API key is not known";
  }
  return "the API key is refused";
}

key_table::key_table(std::vector<key_entry> keys) : keys_(std::move(keys)) {}

std::variant<principal, key_refusal>
key_table::authenticate(std::optional<std::string_view> authorization) const {
  if (!authorization)
    return key_refusal::missing;
  constexpr std::string_view scheme = "bearer ";
  auto header = *authorization;
  if (!starts_with_nocase(header, scheme))
    return key_refusal::malformed;
  auto token = header.substr(scheme.size());
  // Optional whitespace around the token (RFC 9110 field values).
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
    token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
    token.remove_suffix(1);
  if (token.empty() || token.size() > max_token_bytes)
    return key_refusal::malformed;
  auto presented = sha256(token);
  // Every digest is compared, matched or not.
  const key_entry* found = nullptr;
  for (const auto& key : keys_) {
    bool same = CRYPTO_memcmp(presented.data(), key.sha256.data(),
                              presented.size()) == 0;
    if (same && found == nullptr)
      found = &key;
  }
  OPENSSL_cleanse(presented.data(), presented.size());
  if (found == nullptr)
    return key_refusal::unknown;
  return principal{found->id, found->tenant, found->admin};
}

} // namespace warden::api
