#include "api/errors.hpp"

#include <chrono>
#include <optional>
#include <utility>

#include <caf/sec.hpp>
#include <nlohmann/json.hpp>

#include "actors/protocol/error.hpp"

namespace warden::api {

namespace {

unsigned status_of(error_code code) noexcept {
  switch (code) {
  case error_code::budget_exhausted:
  case error_code::cap_exceeded:
  case error_code::queue_full:
  case error_code::rate_limited:
    return 429;
  case error_code::invalid_argument:
  case error_code::halted:
    return 422;
  case error_code::not_found:
    return 404;
  case error_code::cancelled:
  case error_code::conflict:
    return 409;
  case error_code::circuit_open:
  case error_code::draining:
  case error_code::unavailable:
    return 503;
  case error_code::timeout:
    return 504;
  case error_code::dependency_failed:
    return 502;
  case error_code::data_loss:
    return 500;
  }
  return 500;
}

const char* openai_type(unsigned status) noexcept {
  switch (status) {
  case 401:
    return "authentication_error";
  case 403:
    return "permission_error";
  case 429:
    return "rate_limit_error";
  default:
    return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

/// When a refusal the node gave no wait for may succeed: a second for caps,
/// queues, rate limits, a drain, storage or a breaker (the client's next
/// try meets the state of then); the next 00:00 UTC for a spent daily
/// budget, when it renews.
std::optional<std::chrono::milliseconds> default_wait(error_code code) {
  using namespace std::chrono;
  switch (code) {
  case error_code::budget_exhausted: {
    auto now =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch());
    constexpr milliseconds day{86'400'000};
    return day - now % day;
  }
  case error_code::cap_exceeded:
  case error_code::queue_full:
  case error_code::rate_limited:
  case error_code::circuit_open:
  case error_code::draining:
  case error_code::unavailable:
    return milliseconds{1'000};
  default:
    return std::nullopt;
  }
}

} // namespace

std::string json_text(const nlohmann::json& x) {
  return x.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http_error to_http(const caf::error& err) {
  http_error result;
  if (auto code = warden_code(err)) {
    result.status = status_of(*code);
    result.code = to_string(*code);
    result.message = error_reason(err);
    result.retry_after = error_retry_after(err);
    if (!result.retry_after)
      result.retry_after = default_wait(*code);
    if (result.message.empty())
      result.message = result.code;
    return result;
  }
  if (err == caf::sec::request_timeout) {
    result.status = 504;
    result.code = "timeout";
    result.message = "the node did not answer in time";
    return result;
  }
  result.status = 500;
  result.code = "internal";
  result.message = "the node failed: " + caf::to_string(err);
  return result;
}

http_error refuse(unsigned status, std::string code, std::string message) {
  return {status, std::move(code), std::move(message), std::nullopt};
}

std::string rest_body(const http_error& x) {
  nlohmann::json error = {{"code", x.code}, {"message", x.message}};
  if (x.retry_after)
    error["retry_after_ms"] = x.retry_after->count();
  return json_text({{"error", std::move(error)}});
}

std::string openai_body(const http_error& x) {
  return json_text({{"error",
                     {{"message", x.message},
                      {"type", openai_type(x.status)},
                      {"code", x.code},
                      {"param", nullptr}}}});
}

std::optional<std::string> retry_after_header(const http_error& x) {
  if (!x.retry_after)
    return std::nullopt;
  auto ms = x.retry_after->count();
  auto seconds = ms <= 0 ? 1 : (ms + 999) / 1000;
  return std::to_string(seconds);
}

} // namespace warden::api
