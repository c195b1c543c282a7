#include "storage/keys.hpp"

#include <algorithm>

namespace warden::storage::keys {

namespace {

void put_u64(std::string& out, std::uint64_t x) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((x >> shift) & 0xff));
}

} // namespace

std::string run(std::uint64_t run) {
  std::string out;
  out.reserve(9);
  out.push_back('r');
  put_u64(out, run);
  return out;
}

std::string finished(std::uint64_t finished_at_ms, std::uint64_t run) {
  std::string out;
  out.reserve(17);
  out.push_back('f');
  put_u64(out, finished_at_ms);
  put_u64(out, run);
  return out;
}

std::string session_expiry(std::uint64_t written_at_ms, std::uint64_t session) {
  std::string out;
  out.reserve(session_expiry_key_size);
  out.push_back('e');
  put_u64(out, written_at_ms);
  put_u64(out, session);
  return out;
}

std::string journal(std::uint64_t run, std::uint64_t seq) {
  std::string out;
  out.reserve(16);
  put_u64(out, run);
  put_u64(out, seq);
  return out;
}

std::string journal_prefix(std::uint64_t run) {
  std::string out;
  out.reserve(8);
  put_u64(out, run);
  return out;
}

std::string session(std::uint64_t session) {
  std::string out;
  out.reserve(8);
  put_u64(out, session);
  return out;
}

std::string idempotency(std::string_view tenant, std::string_view key) {
  // Tenant names are configuration names, far below 64 KiB; a longer one
  // would only share its length prefix with other overlong names.
  auto size = std::min<std::size_t>(tenant.size(), 0xffff);
  std::string out;
  out.reserve(2 + tenant.size() + key.size());
  out.push_back(static_cast<char>((size >> 8) & 0xff));
  out.push_back(static_cast<char>(size & 0xff));
  out.append(tenant.data(), tenant.size());
  out.append(key.data(), key.size());
  return out;
}

std::string budget(std::uint64_t day, std::string_view tenant) {
  std::string out;
  out.reserve(8 + tenant.size());
  put_u64(out, day);
  out.append(tenant.data(), tenant.size());
  return out;
}

std::string budget_prefix(std::uint64_t day) {
  std::string out;
  out.reserve(8);
  put_u64(out, day);
  return out;
}

std::optional<std::uint64_t> read_u64(std::string_view key,
                                      std::size_t offset) {
  if (offset > key.size() || key.size() - offset < 8)
    return std::nullopt;
  std::uint64_t x = 0;
  for (std::size_t i = 0; i < 8; ++i)
    x = (x << 8) | static_cast<std::uint8_t>(key[offset + i]);
  return x;
}

} // namespace warden::storage::keys
