// Fuzz target: the marks file decoder (storage/detail/durable_marks), read
// at every open of a RocksDB database to learn what the database is known
// to hold. The first input byte picks the mode:
//   even: the rest is the file's text (any bytes);
//   odd:  the rest is a body of lines ("clean 1", "sequence 42", ...) that
//         the target completes with its valid checksum line, since random
//         text almost never carries a matching checksum.
// Properties: a refusal names what is wrong; marks that decode encode to
// a text that decodes to the same marks, and to the same text again.

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/detail/durable_marks.hpp"

#include "fuzz/support.hpp"

namespace {

using warden::fuzz::require;
namespace detail = warden::storage::detail;

/// The checksum line encode_marks writes after `body` (64-bit FNV-1a in
/// hex). The decoder's helper is private; the target checks below that
/// the two agree.
std::string checksum_line(const std::string& body) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4)
    hex[static_cast<std::size_t>(i)] = digits[h & 0xf];
  return "checksum " + hex + "\n";
}

void check(const std::string& text) {
  auto decoded = detail::decode_marks(text);
  if (decoded.error) {
    require(!decoded.error->message.empty(), "a marks error without a message");
    return;
  }
  auto encoded = detail::encode_marks(decoded.value);
  auto again = detail::decode_marks(encoded);
  require(!again.error && again.value == decoded.value,
          "marks change in a round trip");
  require(detail::encode_marks(again.value) == encoded,
          "marks encode to another text the second time");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  std::string rest{warden::fuzz::as_text(data + 1, size - 1)};
  if (data[0] % 2 == 1) {
    // The header line is the first the decoder reads; keep the fuzzer's
    // bytes for the lines after it.
    auto body = "warden-marks 1\n" + rest;
    // The checksum helper must agree with encode_marks, or this mode
    // tests nothing: a text encode_marks wrote must end in the same line.
    auto sample = detail::encode_marks({});
    auto at = sample.rfind("checksum ");
    require(sample.substr(at) == checksum_line(sample.substr(0, at)),
            "the target's checksum is not the decoder's");
    check(body + checksum_line(body));
    return 0;
  }
  check(rest);
  return 0;
}
