#pragma once

// How long a server asks its clients to wait, from the header forms
// model providers send: `Retry-After` (RFC 9110: delay-seconds or an
// HTTP-date), `retry-after-ms` (milliseconds, possibly fractional), and
// `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (durations
// such as `6m0s`, `1.5s`, `12ms`, as OpenAI writes them).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace warden::net {

/// Milliseconds, the unit every parser here answers in.
using wait_ms = std::chrono::milliseconds;

/// A `Retry-After` value: whole seconds (`120`), or an HTTP-date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`, and the two obsolete forms RFC 9110
/// still asks recipients to read) taken relative to `now_unix_ms`; a date
/// in the past is no wait. Nothing for anything else.
[[nodiscard]] std::optional<wait_ms>
parse_retry_after(std::string_view value, std::uint64_t now_unix_ms);

/// A `retry-after-ms` value: non-negative milliseconds, a fraction
/// rounded up (`1500`, `12.5`). Nothing for anything else.
[[nodiscard]] std::optional<wait_ms>
parse_retry_after_ms(std::string_view value);

/// A duration as Go prints them and rate-limit headers carry them: one or
/// more decimal numbers, each with a unit of `h`, `m`, `s`, `ms`, `us`
/// (or `µs`) or `ns` (`6m0s`, `1h2m3.5s`, `12ms`, `0s`), rounded up to
/// whole milliseconds. A bare number is seconds. Nothing for anything
/// else.
[[nodiscard]] std::optional<wait_ms> parse_duration(std::string_view value);

/// Unix milliseconds of an HTTP-date (IMF-fixdate, RFC 850 or asctime
/// form), or nothing when `value` is not one.
[[nodiscard]] std::optional<std::uint64_t>
parse_http_date(std::string_view value);

} // namespace warden::net
