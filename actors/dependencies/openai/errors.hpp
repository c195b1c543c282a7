#pragma once

// What an OpenAI-compatible endpoint's refusal means to its caller: a
// status and error body classified by what to do (retry soon, wait as
// asked, never retry), the wait the endpoint asked for from its headers,
// and the endpoint's own message with the API key taken out.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "actors/common/secret_text.hpp"
#include "policies/retry_policy.hpp"

namespace warden::openai {

/// A response header by name, case-insensitively; empty when absent.
using header_lookup = std::function<std::string_view(std::string_view name)>;

/// A failed exchange, classified.
struct classified_failure {
  /// transient (408, 5xx), rate_limited (429 over a rate), or permanent
  /// (400, 401, 403, 404, other 4xx, 429 over a quota).
  policies::error_class error = policies::error_class::transient;
  /// For people: the status and the endpoint's message, the key redacted.
  std::string reason;
  /// The wait the endpoint asked for, when it named one.
  std::optional<std::chrono::milliseconds> retry_after;
};

/// Classifies an answer with status `status` (not 2xx) and `body`.
/// `api_key` is taken out of the endpoint's message wherever it appears.
[[nodiscard]] classified_failure classify_status(unsigned status,
                                                 std::string_view body,
                                                 const header_lookup& header,
                                                 std::uint64_t now_unix_ms,
                                                 std::string_view api_key);

/// Classifies an error object an endpoint sent as a stream's event (a
/// refusal sent after a 200, as some servers do): by its code as the same
/// refusal with its status would be (rate_limit_exceeded and
/// insufficient_quota as 429, invalid_api_key as 401, invalid_request_error
/// as 400, others as 500). Nothing when `data` holds no error object.
[[nodiscard]] std::optional<classified_failure>
classify_stream_error(std::string_view data, std::string_view api_key);

/// The wait the endpoint asks for: `retry-after-ms`, else `Retry-After`,
/// else the reset time of the exhausted limit (`x-ratelimit-reset-requests`
/// when `x-ratelimit-remaining-requests` is 0, `-tokens` likewise; the
/// longer of the two when neither says which).
[[nodiscard]] std::optional<std::chrono::milliseconds>
requested_wait(const header_lookup& header, std::uint64_t now_unix_ms);

/// Secrets are taken out of endpoints' messages as everywhere
/// (actors/common/secret_text.hpp).
using warden::redact;

} // namespace warden::openai
