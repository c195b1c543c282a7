#define CAF_SUITE config.governor
#include <set>
#include <string>

#include <caf/test/unit_test.hpp>

#include "config/governor.hpp"
#include "config/load.hpp"
#include "config/validate.hpp"
#include "tests/config/support.hpp"

using namespace warden::config;
using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;

namespace {

const std::string shipped = WARDEN_SOURCE_DIR "/config/warden.toml";

} // namespace

// Parsing and defaults -------------------------------------------------------

CAF_TEST(a file without a governor section derives the limits of today) {
  auto result = load("");
  CAF_REQUIRE(result.ok());
  CAF_CHECK(!result.value.governor.max_global);
  CAF_CHECK(!result.value.governor.max_model_streams);
  CAF_CHECK(!result.value.governor.max_tool_calls);
  auto limits =
      effective_governor(result.value.governor, result.value.admission);
  CAF_CHECK_EQUAL(limits.global, 4096u);
  CAF_CHECK_EQUAL(limits.model_streams, 3072u);
  CAF_CHECK_EQUAL(limits.tool_calls, 3072u);
  CAF_CHECK_EQUAL(limits.waiting_calls, 65536u);
}

CAF_TEST(absent governor keys follow a lowered admission cap) {
  auto result = load("[admission]\nglobal_cap = 100\n");
  CAF_REQUIRE(result.ok());
  auto limits =
      effective_governor(result.value.governor, result.value.admission);
  CAF_CHECK_EQUAL(limits.global, 100u);
  CAF_CHECK_EQUAL(limits.model_streams, 75u);
  CAF_CHECK_EQUAL(limits.tool_calls, 75u);
}

CAF_TEST(an admission cap of one leaves one slot to each kind) {
  auto result = load("[admission]\nglobal_cap = 1\n");
  CAF_REQUIRE(result.ok());
  auto limits =
      effective_governor(result.value.governor, result.value.admission);
  CAF_CHECK_EQUAL(limits.global, 1u);
  CAF_CHECK_EQUAL(limits.model_streams, 1u);
  CAF_CHECK_EQUAL(limits.tool_calls, 1u);
}

CAF_TEST(every governor key is read) {
  auto result = load("[governor]\nmax_global = 500\nmax_model_streams = 400\n"
                     "max_tool_calls = 300\nmax_waiting_calls = 0\n");
  CAF_REQUIRE(result.ok());
  auto limits =
      effective_governor(result.value.governor, result.value.admission);
  CAF_CHECK_EQUAL(limits.global, 500u);
  CAF_CHECK_EQUAL(limits.model_streams, 400u);
  CAF_CHECK_EQUAL(limits.tool_calls, 300u);
  CAF_CHECK_EQUAL(limits.waiting_calls, 0u);
}

CAF_TEST(absent kind limits are three quarters of an explicit global limit) {
  auto result = load("[governor]\nmax_global = 200\nmax_tool_calls = 50\n");
  CAF_REQUIRE(result.ok());
  auto limits =
      effective_governor(result.value.governor, result.value.admission);
  CAF_CHECK_EQUAL(limits.global, 200u);
  CAF_CHECK_EQUAL(limits.model_streams, 150u);
  CAF_CHECK_EQUAL(limits.tool_calls, 50u);
}

CAF_TEST(a global limit above the admission cap is allowed) {
  // One run may have several tool calls running at once.
  auto result = load("[admission]\nglobal_cap = 10\n[governor]\n"
                     "max_global = 40\n");
  CAF_CHECK(result.ok());
  if (!result.ok())
    CAF_MESSAGE("errors:" << render(result.errors));
}

CAF_TEST(the shipped configuration keeps the derived governor limits) {
  auto result = load_file(shipped);
  CAF_REQUIRE(result.ok());
  auto limits =
      effective_governor(result.value.governor, result.value.admission);
  CAF_CHECK_EQUAL(limits.global, result.value.admission.global_cap);
  CAF_CHECK_EQUAL(limits.model_streams, 3072u);
  CAF_CHECK_EQUAL(limits.tool_calls, 3072u);
  CAF_CHECK_EQUAL(limits.waiting_calls, 65536u);
}

// Validation -----------------------------------------------------------------

CAF_TEST(a model stream limit above the global limit is refused) {
  CAF_CHECK(only_error(load("[governor]\nmax_global = 100\n"
                            "max_model_streams = 101\n"),
                       "governor.max_model_streams", 3,
                       "must be at most governor.max_global (100), got 101"));
}

CAF_TEST(a tool call limit above the derived global limit names the cap) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = 64\n[governor]\n"
                            "max_tool_calls = 65\n"),
                       "governor.max_tool_calls", 4,
                       "must be at most the global limit, which is "
                       "admission.global_cap (64) since governor.max_global "
                       "is absent, got 65"));
}

CAF_TEST(both kind limits above the global limit are both reported) {
  auto result = load("[governor]\nmax_global = 10\nmax_model_streams = 11\n"
                     "max_tool_calls = 12\n");
  CAF_CHECK_EQUAL(result.errors.size(), 2u);
  CAF_CHECK(has_error(result, "governor.max_model_streams", 3,
                      "governor.max_global (10), got 11"));
  CAF_CHECK(has_error(result, "governor.max_tool_calls", 4,
                      "governor.max_global (10), got 12"));
}

CAF_TEST(zero governor limits are refused with their range) {
  auto result = load("[governor]\nmax_global = 0\nmax_model_streams = 0\n"
                     "max_tool_calls = 0\n");
  CAF_CHECK_EQUAL(result.errors.size(), 3u);
  CAF_CHECK(has_error(result, "governor.max_global", 2,
                      "must be in [1, 1048576], got 0"));
  CAF_CHECK(has_error(result, "governor.max_model_streams", 3,
                      "must be in [1, 1048576], got 0"));
  CAF_CHECK(has_error(result, "governor.max_tool_calls", 4,
                      "must be in [1, 1048576], got 0"));
}

CAF_TEST(a rejected global limit is not reported again by the kind limits) {
  CAF_CHECK(only_error(load("[governor]\nmax_global = 0\n"
                            "max_model_streams = 5\n"),
                       "governor.max_global", 2,
                       "must be in [1, 1048576], got 0"));
}

CAF_TEST(a rejected admission cap is not reported again by the kind limits) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = 0\n[governor]\n"
                            "max_model_streams = 5\n"),
                       "admission.global_cap", 2,
                       "must be in [1, 1048576], got 0"));
}

CAF_TEST(too many waiting calls are refused with their range) {
  CAF_CHECK(only_error(load("[governor]\nmax_waiting_calls = 16777217\n"),
                       "governor.max_waiting_calls", 2,
                       "must be in [0, 16777216], got 16777217"));
}

CAF_TEST(a limit above the range is refused) {
  CAF_CHECK(only_error(load("[governor]\nmax_global = 1048577\n"),
                       "governor.max_global", 2,
                       "must be in [1, 1048576], got 1048577"));
}

CAF_TEST(a misspelt governor key suggests the closest one) {
  CAF_CHECK(only_error(load("[governor]\nmax_tool_call = 5\n"),
                       "governor.max_tool_call", 2,
                       "unknown key; did you mean `max_tool_calls`?"));
}

CAF_TEST(settings built in code are validated with their key paths) {
  settings value;
  value.governor.max_global = 8;
  value.governor.max_model_streams = 9;
  value.governor.max_tool_calls = 0;
  auto errors = validate(value);
  CAF_CHECK_EQUAL(errors.size(), 2u);
  // Both lack a line: their order is not part of the contract.
  std::set<std::string> keys;
  for (const auto& error : errors)
    keys.insert(error.key);
  CAF_CHECK_EQUAL(keys.count("governor.max_model_streams"), 1u);
  CAF_CHECK_EQUAL(keys.count("governor.max_tool_calls"), 1u);
  if (errors.size() != 2)
    CAF_MESSAGE("errors:" << render(errors));
}
