#define CAF_SUITE net.retry_after
#include <chrono>
#include <cstdint>
#include <optional>

#include <caf/test/unit_test.hpp>

#include "net/retry_after.hpp"

using namespace warden::net;
using std::chrono::milliseconds;

namespace {

/// Sun, 06 Nov 1994 08:49:37 GMT in Unix milliseconds.
constexpr std::uint64_t rfc_example_ms = 784'111'777'000;

std::optional<std::int64_t> ms(std::optional<wait_ms> x) {
  if (!x)
    return std::nullopt;
  return x->count();
}

} // namespace

CAF_TEST(retry after reads seconds and http dates) {
  CAF_CHECK_EQUAL(ms(parse_retry_after("120", 0)), 120'000);
  CAF_CHECK_EQUAL(ms(parse_retry_after(" 2 ", 0)), 2'000);
  CAF_CHECK_EQUAL(ms(parse_retry_after("0", 0)), 0);
  // An HTTP-date, relative to now; one in the past is no wait.
  CAF_CHECK_EQUAL(ms(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                       rfc_example_ms - 1'500)),
                  1'500);
  CAF_CHECK_EQUAL(ms(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                       rfc_example_ms + 9'000)),
                  0);
  CAF_CHECK_EQUAL(ms(parse_retry_after("soon", 0)), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_retry_after("-1", 0)), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_retry_after("1.5", 0)), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_retry_after("", 0)), std::nullopt);
}

CAF_TEST(http dates are read in all three forms) {
  CAF_CHECK_EQUAL(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
                  rfc_example_ms);
  CAF_CHECK_EQUAL(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
                  rfc_example_ms);
  CAF_CHECK_EQUAL(parse_http_date("Sun Nov  6 08:49:37 1994"), rfc_example_ms);
  CAF_CHECK_EQUAL(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0u);
  CAF_CHECK_EQUAL(parse_http_date("Sat, 29 Feb 2028 23:59:59 GMT"),
                  1'835'481'599'000u);
  CAF_CHECK_EQUAL(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"),
                  std::nullopt);
  CAF_CHECK_EQUAL(parse_http_date("Sun, 32 Nov 1994 08:49:37 GMT"),
                  std::nullopt);
  CAF_CHECK_EQUAL(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"),
                  std::nullopt);
  CAF_CHECK_EQUAL(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"),
                  std::nullopt);
}

CAF_TEST(retry after ms reads milliseconds and rounds fractions up) {
  CAF_CHECK_EQUAL(ms(parse_retry_after_ms("1500")), 1'500);
  CAF_CHECK_EQUAL(ms(parse_retry_after_ms("12.5")), 13);
  CAF_CHECK_EQUAL(ms(parse_retry_after_ms("12.0")), 12);
  CAF_CHECK_EQUAL(ms(parse_retry_after_ms("0")), 0);
  CAF_CHECK_EQUAL(ms(parse_retry_after_ms("12.")), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_retry_after_ms("ms")), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_retry_after_ms("-5")), std::nullopt);
}

CAF_TEST(rate limit reset durations read as go writes them) {
  CAF_CHECK_EQUAL(ms(parse_duration("6m0s")), 360'000);
  CAF_CHECK_EQUAL(ms(parse_duration("12ms")), 12);
  CAF_CHECK_EQUAL(ms(parse_duration("1.5s")), 1'500);
  CAF_CHECK_EQUAL(ms(parse_duration("1h2m3.5s")), 3'723'500);
  CAF_CHECK_EQUAL(ms(parse_duration("0s")), 0);
  CAF_CHECK_EQUAL(ms(parse_duration(".5s")), 500);
  CAF_CHECK_EQUAL(ms(parse_duration("250us")), 1); // rounded up
  CAF_CHECK_EQUAL(ms(parse_duration("250\xC2\xB5s")), 1);
  CAF_CHECK_EQUAL(ms(parse_duration("1500000ns")), 2);
  CAF_CHECK_EQUAL(ms(parse_duration("2")), 2'000); // bare: seconds
  CAF_CHECK_EQUAL(ms(parse_duration("")), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_duration("s")), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_duration("5x")), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_duration("1m2")), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_duration("-1s")), std::nullopt);
  CAF_CHECK_EQUAL(ms(parse_duration("99999999999999h")), std::nullopt);
}
