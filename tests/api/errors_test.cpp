#define CAF_SUITE api.errors
#include <chrono>
#include <map>
#include <string>

#include <caf/sec.hpp>
#include <caf/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "actors/protocol/error.hpp"

#include "api/errors.hpp"

using namespace warden;
using namespace warden::api;
using namespace std::chrono_literals;

CAF_TEST(each warden code has the status that says what to do) {
  const std::map<error_code, unsigned> expected = {
      {error_code::budget_exhausted, 429}, {error_code::cap_exceeded, 429},
      {error_code::queue_full, 429},       {error_code::rate_limited, 429},
      {error_code::circuit_open, 503},     {error_code::invalid_argument, 422},
      {error_code::not_found, 404},        {error_code::draining, 503},
      {error_code::timeout, 504},          {error_code::cancelled, 409},
      {error_code::halted, 422},           {error_code::dependency_failed, 502},
      {error_code::unavailable, 503},      {error_code::data_loss, 500},
      {error_code::conflict, 409}};
  CAF_CHECK_EQUAL(expected.size(), std::size_t{max_error_code});
  for (const auto& [code, status] : expected) {
    auto got = to_http(make_error(code, "why it failed"));
    CAF_CHECK_EQUAL(got.status, status);
    CAF_CHECK_EQUAL(got.code, to_string(code));
    CAF_CHECK_EQUAL(got.message, "why it failed");
  }
}

CAF_TEST(a retry after travels as milliseconds and as whole seconds) {
  auto got =
      to_http(make_error(error_code::cap_exceeded, "tenant at cap", 1'500ms));
  CAF_REQUIRE(got.retry_after);
  CAF_CHECK_EQUAL(got.retry_after->count(), 1'500);
  CAF_CHECK_EQUAL(retry_after_header(got).value_or(""), "2");
  got.retry_after = 0ms;
  CAF_CHECK_EQUAL(retry_after_header(got).value_or(""), "1");
  got.retry_after = 3'000ms;
  CAF_CHECK_EQUAL(retry_after_header(got).value_or(""), "3");
  got.retry_after.reset();
  CAF_CHECK(!retry_after_header(got));
  auto body = nlohmann::json::parse(
      rest_body(to_http(make_error(error_code::draining, "draining", 250ms))));
  CAF_CHECK_EQUAL(body["error"]["code"], "draining");
  CAF_CHECK_EQUAL(body["error"]["message"], "draining");
  CAF_CHECK_EQUAL(body["error"]["retry_after_ms"], 250);
  auto plain = nlohmann::json::parse(
      rest_body(to_http(make_error(error_code::not_found, "no run 7"))));
  CAF_CHECK(!plain["error"].contains("retry_after_ms"));
}

CAF_TEST(errors that are not warden errors are 504 or 500) {
  auto timeout = to_http(caf::make_error(caf::sec::request_timeout));
  CAF_CHECK_EQUAL(timeout.status, 504u);
  CAF_CHECK_EQUAL(timeout.code, "timeout");
  auto other = to_http(caf::make_error(caf::sec::unexpected_message));
  CAF_CHECK_EQUAL(other.status, 500u);
  CAF_CHECK_EQUAL(other.code, "internal");
}

CAF_TEST(the openai shape names a type by status) {
  const std::map<unsigned, std::string> types = {
      {400, "invalid_request_error"}, {401, "authentication_error"},
      {403, "permission_error"},      {404, "invalid_request_error"},
      {429, "rate_limit_error"},      {503, "server_error"}};
  for (const auto& [status, type] : types) {
    auto body = nlohmann::json::parse(
        openai_body(refuse(status, "some_code", "some message")));
    CAF_CHECK_EQUAL(body["error"]["type"], type);
    CAF_CHECK_EQUAL(body["error"]["code"], "some_code");
    CAF_CHECK_EQUAL(body["error"]["message"], "some message");
    CAF_CHECK(body["error"]["param"].is_null());
  }
}

CAF_TEST(a message that is not utf8 still makes a json body) {
  auto x = refuse(400, "bad_request", std::string{"bad byte \xff here"});
  auto rest = nlohmann::json::parse(rest_body(x));
  auto openai = nlohmann::json::parse(openai_body(x));
  CAF_CHECK_EQUAL(rest["error"]["message"], "bad byte \xef\xbf\xbd here");
  CAF_CHECK_EQUAL(openai["error"]["message"], "bad byte \xef\xbf\xbd here");
}
