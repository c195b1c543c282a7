#include "net/retry_after.hpp"

#include <array>
#include <cmath>
#include <string>

namespace warden::net {

namespace {

/// Waits longer than this (about 31 years) are not what any server means.
constexpr std::uint64_t max_wait_ms = std::uint64_t{1'000'000'000'000};

std::string_view trim(std::string_view x) {
  while (!x.empty() && (x.front() == ' ' || x.front() == '\t'))
    x.remove_prefix(1);
  while (!x.empty() && (x.back() == ' ' || x.back() == '\t'))
    x.remove_suffix(1);
  return x;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Reads a run of digits at the front of `x` (at most `max_digits`) into
/// `value`; false when there is none.
bool take_number(std::string_view& x, std::uint64_t& value,
                 std::size_t max_digits = 15) {
  std::size_t n = 0;
  value = 0;
  while (n < x.size() && is_digit(x[n])) {
    if (n == max_digits)
      return false;
    value = value * 10 + static_cast<std::uint64_t>(x[n] - '0');
    ++n;
  }
  x.remove_prefix(n);
  return n > 0;
}

/// Reads `digits` digits exactly.
bool take_fixed(std::string_view& x, std::size_t digits, int& value) {
  if (x.size() < digits)
    return false;
  value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (!is_digit(x[i]))
      return false;
    value = value * 10 + (x[i] - '0');
  }
  x.remove_prefix(digits);
  return true;
}

bool take(std::string_view& x, std::string_view expected) {
  if (x.substr(0, expected.size()) != expected)
    return false;
  x.remove_prefix(expected.size());
  return true;
}

/// A month's three-letter name, 1-based.
bool take_month(std::string_view& x, int& month) {
  static constexpr std::array<std::string_view, 12> names{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun",
      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (take(x, names[i])) {
      month = static_cast<int>(i) + 1;
      return true;
    }
  return false;
}

/// "HH:MM:SS".
bool take_time(std::string_view& x, int& h, int& m, int& s) {
  return take_fixed(x, 2, h) && take(x, ":") && take_fixed(x, 2, m) &&
         take(x, ":") && take_fixed(x, 2, s) && h < 24 && m < 60 && s < 61;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  auto era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = y - era * 400;
  auto doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<std::uint64_t> unix_ms_of(int year, int month, int day, int h,
                                        int m, int s) {
  static constexpr std::array<int, 12> days_in{31, 29, 31, 30, 31, 30,
                                               31, 31, 30, 31, 30, 31};
  if (year < 1970 || month < 1 || month > 12 || day < 1 ||
      day > days_in[static_cast<std::size_t>(month - 1)])
    return std::nullopt;
  auto days = days_from_civil(year, month, day);
  auto seconds = days * 86'400 + h * 3600 + m * 60 + s;
  return static_cast<std::uint64_t>(seconds) * 1000;
}

/// The day name and its separator, which no form needs to check further.
bool skip_day_name(std::string_view& x, char until) {
  auto at = x.find(until);
  if (at == std::string_view::npos || at < 3 || at > 9)
    return false;
  x.remove_prefix(at + 1);
  return true;
}

} // namespace

std::optional<std::uint64_t> parse_http_date(std::string_view value) {
  auto x = trim(value);
  int day = 0;
  int month = 0;
  int year = 0;
  int h = 0;
  int m = 0;
  int s = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  if (auto y = x; skip_day_name(y, ',') && take(y, " ") &&
                  take_fixed(y, 2, day) && take(y, " ") &&
                  take_month(y, month) && take(y, " ") &&
                  take_fixed(y, 4, year) && take(y, " ") &&
                  take_time(y, h, m, s) && take(y, " GMT") && y.empty())
    return unix_ms_of(year, month, day, h, m, s);
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".
  if (auto y = x; skip_day_name(y, ',') && take(y, " ") &&
                  take_fixed(y, 2, day) && take(y, "-") &&
                  take_month(y, month) && take(y, "-") &&
                  take_fixed(y, 2, year) && take(y, " ") &&
                  take_time(y, h, m, s) && take(y, " GMT") && y.empty())
    return unix_ms_of(year < 70 ? 2000 + year : 1900 + year, month, day, h, m,
                      s);
  // asctime: "Sun Nov  6 08:49:37 1994" (a one-digit day after two
  // spaces).
  if (auto y = x; y.size() > 4 && y[3] == ' ') {
    y.remove_prefix(4);
    std::uint64_t d = 0;
    if (take_month(y, month) && take(y, " ")) {
      if (!y.empty() && y.front() == ' ')
        y.remove_prefix(1);
      if (take_number(y, d, 2) && take(y, " ") && take_time(y, h, m, s) &&
          take(y, " ") && take_fixed(y, 4, year) && y.empty())
        return unix_ms_of(year, month, static_cast<int>(d), h, m, s);
    }
  }
  return std::nullopt;
}

std::optional<wait_ms> parse_retry_after(std::string_view value,
                                         std::uint64_t now_unix_ms) {
  auto x = trim(value);
  std::uint64_t seconds = 0;
  if (auto y = x; take_number(y, seconds, 12) && y.empty())
    return seconds * 1000 > max_wait_ms
               ? std::nullopt
               : std::optional<wait_ms>{seconds * 1000};
  auto date = parse_http_date(x);
  if (!date)
    return std::nullopt;
  return wait_ms{*date > now_unix_ms ? *date - now_unix_ms : 0};
}

std::optional<wait_ms> parse_retry_after_ms(std::string_view value) {
  auto x = trim(value);
  std::uint64_t whole = 0;
  if (!take_number(x, whole, 12))
    return std::nullopt;
  if (take(x, ".")) {
    std::uint64_t fraction = 0;
    if (!take_number(x, fraction))
      return std::nullopt;
    if (fraction > 0)
      ++whole; // any fraction rounds up
  }
  if (!x.empty())
    return std::nullopt;
  return wait_ms{whole};
}

std::optional<wait_ms> parse_duration(std::string_view value) {
  auto x = trim(value);
  if (x.empty())
    return std::nullopt;
  long double total_ns = 0;
  bool any = false;
  while (!x.empty()) {
    // A number: digits, optionally a fraction (Go reads ".5s" and "1.s").
    std::uint64_t whole = 0;
    auto had_whole = take_number(x, whole);
    long double number = static_cast<long double>(whole);
    if (take(x, ".")) {
      long double scale = 0.1L;
      bool had_fraction = false;
      while (!x.empty() && is_digit(x.front())) {
        number += scale * (x.front() - '0');
        scale /= 10;
        x.remove_prefix(1);
        had_fraction = true;
      }
      if (!had_whole && !had_fraction)
        return std::nullopt;
    } else if (!had_whole) {
      return std::nullopt;
    }
    long double unit_ns = 0;
    if (take(x, "ns"))
      unit_ns = 1;
    else if (take(x, "us") || take(x, "\xC2\xB5s") || take(x, "\xCE\xBCs"))
      unit_ns = 1e3L;
    else if (take(x, "ms"))
      unit_ns = 1e6L;
    else if (take(x, "s"))
      unit_ns = 1e9L;
    else if (take(x, "m"))
      unit_ns = 60e9L;
    else if (take(x, "h"))
      unit_ns = 3600e9L;
    else if (x.empty() && !any)
      unit_ns = 1e9L; // a bare number: seconds
    else
      return std::nullopt;
    total_ns += number * unit_ns;
    any = true;
  }
  auto ms = std::ceil(total_ns / 1e6L);
  if (ms > static_cast<long double>(max_wait_ms))
    return std::nullopt;
  return wait_ms{static_cast<std::int64_t>(ms)};
}

} // namespace warden::net
