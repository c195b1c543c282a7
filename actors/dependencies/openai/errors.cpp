#include "actors/dependencies/openai/errors.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/common/secret_text.hpp"
#include "net/retry_after.hpp"

namespace warden::openai {

namespace {

using json = nlohmann::json;

/// The endpoint's message is kept to this many bytes in a reason.
constexpr std::size_t max_message_bytes = 512;

/// The error object's `message` and its `code` or `type`, from the forms
/// OpenAI, Azure and the servers that copy them send.
struct endpoint_error {
  std::string message;
  std::string code;
};

std::string string_or_number(const json& x) {
  if (x.is_string())
    return x.get<std::string>();
  if (x.is_number_integer())
    return std::to_string(x.get<std::int64_t>());
  return {};
}

endpoint_error error_of(std::string_view body) {
  endpoint_error result;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    // Not JSON (a proxy's HTML page): its first bytes are the message (cut
    // only after the key is taken out, so no part of it is left).
    result.message = std::string{body};
    return result;
  }
  auto error = doc.find("error");
  const json& x = error != doc.end() ? *error : doc;
  if (x.is_string()) {
    result.message = x.get<std::string>();
    return result;
  }
  if (!x.is_object())
    return result;
  if (auto m = x.find("message"); m != x.end() && m->is_string())
    result.message = m->get<std::string>();
  if (auto c = x.find("code"); c != x.end())
    result.code = string_or_number(*c);
  if (auto t = x.find("type"); result.code.empty() && t != x.end())
    result.code = string_or_number(*t);
  return result;
}

bool is_zero(std::string_view x) {
  return !x.empty() &&
         std::all_of(x.begin(), x.end(), [](char c) { return c == '0'; });
}

} // namespace

std::optional<std::chrono::milliseconds>
requested_wait(const header_lookup& header, std::uint64_t now_unix_ms) {
  if (auto ms = net::parse_retry_after_ms(header("retry-after-ms")))
    return ms;
  if (auto after = net::parse_retry_after(header("retry-after"), now_unix_ms))
    return after;
  auto requests = net::parse_duration(header("x-ratelimit-reset-requests"));
  auto tokens = net::parse_duration(header("x-ratelimit-reset-tokens"));
  auto requests_out = is_zero(header("x-ratelimit-remaining-requests"));
  auto tokens_out = is_zero(header("x-ratelimit-remaining-tokens"));
  if (requests_out != tokens_out)
    return requests_out ? requests : tokens;
  if (requests && tokens)
    return std::max(*requests, *tokens);
  return requests ? requests : tokens;
}

classified_failure classify_status(unsigned status, std::string_view body,
                                   const header_lookup& header,
                                   std::uint64_t now_unix_ms,
                                   std::string_view api_key) {
  using policies::error_class;
  auto error = error_of(body);
  classified_failure result;
  if (status == 429) {
    // Out of quota (billing), not over a rate: waiting does not help.
    auto quota = error.code == "insufficient_quota";
    result.error = quota ? error_class::permanent : error_class::rate_limited;
    if (!quota)
      result.retry_after = requested_wait(header, now_unix_ms);
  } else if (status == 408 || status >= 500) {
    result.error = error_class::transient;
    result.retry_after = requested_wait(header, now_unix_ms);
  } else {
    result.error = error_class::permanent;
  }
  auto message = redact(std::move(error.message), api_key);
  cut_text(message, max_message_bytes);
  result.reason = "the endpoint answered HTTP " + std::to_string(status);
  if (!error.code.empty()) {
    auto code = redact(error.code, api_key);
    cut_text(code, 64);
    result.reason += " (" + code + ")";
  }
  if (!message.empty())
    result.reason += ": " + message;
  return result;
}

std::optional<classified_failure>
classify_stream_error(std::string_view data, std::string_view api_key) {
  auto doc = json::parse(data, nullptr, false);
  if (!doc.is_object())
    return std::nullopt;
  auto i = doc.find("error");
  if (i == doc.end() || i->is_null())
    return std::nullopt;
  // The status the same refusal has before a stream starts.
  auto error = error_of(data);
  unsigned status = 500;
  if (error.code == "rate_limit_exceeded" || error.code == "insufficient_quota")
    status = 429;
  else if (error.code == "invalid_api_key")
    status = 401;
  else if (error.code == "invalid_request_error")
    status = 400;
  auto no_headers = [](std::string_view) { return std::string_view{}; };
  auto result = classify_status(status, data, no_headers, 0, api_key);
  // "the endpoint answered HTTP 500 (code): message" names a status the
  // endpoint did not send: keep what follows it.
  auto said = "the endpoint answered HTTP " + std::to_string(status);
  result.reason = "the endpoint sent an error in the stream" +
                  result.reason.substr(said.size());
  return result;
}

} // namespace warden::openai
