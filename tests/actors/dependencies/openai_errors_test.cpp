#define CAF_SUITE actors.openai_errors
#include <map>
#include <string>

#include <caf/test/unit_test.hpp>

#include "actors/dependencies/openai/errors.hpp"

using namespace warden;
using namespace warden::openai;
using policies::error_class;
using std::chrono::milliseconds;

namespace {

/// Headers by lower-case name.
header_lookup headers(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) {
    std::string key{name};
    for (auto& c : key)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto i = values.find(key);
    return i == values.end() ? std::string_view{} : std::string_view{i->second};
  };
}

const auto none = headers({});

constexpr std::uint64_t now = 1'767'225'600'000; // 2026-01-01 00:00 UTC

const std::string key = "sk-proj-ABCDEF0123456789";

} // namespace

CAF_TEST(a rate limit is retried after the wait the endpoint asks for) {
  auto body = R"({"error":{"message":"Rate limit reached for requests",
    "type":"requests","code":"rate_limit_exceeded"}})";
  auto x =
      classify_status(429, body, headers({{"retry-after", "2"}}), now, key);
  CAF_CHECK(x.error == error_class::rate_limited);
  CAF_CHECK(x.retry_after == milliseconds{2'000});
  CAF_CHECK_EQUAL(x.reason, "the endpoint answered HTTP 429 "
                            "(rate_limit_exceeded): Rate limit reached for "
                            "requests");
  // retry-after-ms first; then the reset of the limit that ran out.
  x = classify_status(
      429, body, headers({{"retry-after-ms", "150"}, {"retry-after", "2"}}),
      now, key);
  CAF_CHECK(x.retry_after == milliseconds{150});
  x = classify_status(429, body,
                      headers({{"x-ratelimit-remaining-requests", "0"},
                               {"x-ratelimit-reset-requests", "6m0s"},
                               {"x-ratelimit-remaining-tokens", "1000"},
                               {"x-ratelimit-reset-tokens", "12ms"}}),
                      now, key);
  CAF_CHECK(x.retry_after == milliseconds{360'000});
  x = classify_status(429, body,
                      headers({{"x-ratelimit-reset-requests", "1s"},
                               {"x-ratelimit-reset-tokens", "1.5s"}}),
                      now, key);
  CAF_CHECK(x.retry_after == milliseconds{1'500});
  x = classify_status(429, body, none, now, key);
  CAF_CHECK(x.error == error_class::rate_limited);
  CAF_CHECK(!x.retry_after);
}

CAF_TEST(an exhausted quota is never retried) {
  auto x = classify_status(
      429,
      R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})",
      headers({{"retry-after", "1"}}), now, key);
  CAF_CHECK(x.error == error_class::permanent);
  CAF_CHECK(!x.retry_after);
}

CAF_TEST(timeouts and server errors are transient) {
  for (unsigned status : {408u, 500u, 502u, 503u, 504u}) {
    auto x = classify_status(status, "", none, now, key);
    CAF_CHECK(x.error == error_class::transient);
  }
  auto overloaded = classify_status(
      503,
      R"({"error":{"message":"The server is overloaded","code":"server_is_overloaded"}})",
      headers({{"retry-after", "Thu, 01 Jan 2026 00:00:03 GMT"}}), now, key);
  CAF_CHECK(overloaded.error == error_class::transient);
  CAF_CHECK(overloaded.retry_after == milliseconds{3'000});
}

CAF_TEST(client errors are permanent and keep the message without the key) {
  auto x = classify_status(
      401,
      R"({"error":{"message":"Incorrect API key provided: sk-proj-ABCDEF0123456789.","type":"invalid_request_error","code":"invalid_api_key"}})",
      none, now, key);
  CAF_CHECK(x.error == error_class::permanent);
  CAF_CHECK_EQUAL(x.reason, "the endpoint answered HTTP 401 (invalid_api_key): "
                            "Incorrect API key provided: [redacted].");
  CAF_CHECK(x.reason.find(key) == std::string::npos);
  for (unsigned status : {400u, 403u, 404u, 422u})
    CAF_CHECK(classify_status(status, "{}", none, now, key).error ==
              error_class::permanent);
  // Azure's form: a numeric-looking code as a string; a bare string error.
  CAF_CHECK_EQUAL(
      classify_status(
          404,
          R"({"error":{"code":"DeploymentNotFound","message":"no such deployment"}})",
          none, now, key)
          .reason,
      "the endpoint answered HTTP 404 (DeploymentNotFound): no such "
      "deployment");
  CAF_CHECK_EQUAL(
      classify_status(400, R"({"error":"bad model"})", none, now, key).reason,
      "the endpoint answered HTTP 400: bad model");
}

CAF_TEST(a body that is not json is cut and still loses the key) {
  // The key near the cut: no part of it may survive.
  std::string page(500, 'x');
  page += key + std::string(600, 'y');
  auto x = classify_status(502, page, none, now, key);
  CAF_CHECK(x.reason.find("sk-proj") == std::string::npos);
  CAF_CHECK(x.reason.find("[red") != std::string::npos);
  CAF_CHECK(x.reason.size() < 600);
  CAF_CHECK(x.reason.substr(x.reason.size() - 3) == "...");
  // Cut at a character boundary: a reason stays UTF-8.
  std::string accents = "a"; // byte 512 is then the middle of an é
  for (int i = 0; i < 400; ++i)
    accents += "\xC3\xA9";
  auto y = classify_status(500, accents, none, now, "");
  auto message = y.reason.substr(y.reason.find(": ") + 2);
  CAF_CHECK_EQUAL(message.size(), 511u + 3u); // "a", 255 whole é, "..."
}

CAF_TEST(redact replaces every occurrence and nothing else) {
  CAF_CHECK_EQUAL(redact("a KEY b KEY", "KEY"), "a [redacted] b [redacted]");
  CAF_CHECK_EQUAL(redact("nothing here", "KEY"), "nothing here");
  CAF_CHECK_EQUAL(redact("empty secret", ""), "empty secret");
}
