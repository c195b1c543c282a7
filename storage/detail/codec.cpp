#include "storage/detail/codec.hpp"

#include "storage/records.hpp"

namespace warden::storage::detail {

void put_varint(std::string& out, std::uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<char>((x & 0x7f) | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

void put_bytes(std::string& out, std::string_view x) {
  put_varint(out, x.size());
  out.append(x.data(), x.size());
}

read_status reader::byte(std::uint8_t& x) noexcept {
  if (rest_.empty())
    return read_status::truncated;
  x = static_cast<std::uint8_t>(rest_.front());
  rest_.remove_prefix(1);
  return read_status::ok;
}

read_status reader::varint(std::uint64_t& x) noexcept {
  std::uint64_t result = 0;
  for (unsigned i = 0; i < 10; ++i) {
    if (i >= rest_.size())
      return read_status::truncated;
    auto b = static_cast<std::uint8_t>(rest_[i]);
    // The tenth byte holds bit 63 only.
    if (i == 9 && b > 1)
      return read_status::malformed;
    result |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      rest_.remove_prefix(i + 1);
      x = result;
      return read_status::ok;
    }
  }
  return read_status::malformed;
}

read_status reader::bytes(std::string_view& x) noexcept {
  auto saved = rest_;
  std::uint64_t size = 0;
  if (auto st = varint(size); st != read_status::ok)
    return st;
  if (size > rest_.size()) {
    rest_ = saved;
    return read_status::truncated;
  }
  x = rest_.substr(0, static_cast<std::size_t>(size));
  rest_.remove_prefix(static_cast<std::size_t>(size));
  return read_status::ok;
}

std::optional<std::string> read_format(reader& r) {
  std::uint8_t format = 0;
  return read_format(r, record_format, format);
}

std::optional<std::string> read_format(reader& r, std::uint8_t newest,
                                       std::uint8_t& format) {
  if (r.byte(format) != read_status::ok)
    return std::string{"empty record (no format byte)"};
  if (format < 1 || format > newest)
    return "record format " + std::to_string(format) +
           " is unknown (this build reads " +
           (newest == 1 ? std::string{"1"} : "1 to " + std::to_string(newest)) +
           ")";
  return std::nullopt;
}

} // namespace warden::storage::detail
