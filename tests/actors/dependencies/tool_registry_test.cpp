#define CAF_SUITE actors.tool_registry
#include <caf/test/dsl.hpp>

#include "actors/dependencies/tool_runner.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"

using namespace warden;

namespace {

tool_function constant(std::string text) {
  return [text](const std::string&, const std::string&) {
    return tool_result::ok(text);
  };
}

config::tool_settings
native(config::side_effect_kind effect = config::side_effect_kind::effectful) {
  config::tool_settings x;
  x.kind = config::tool_kind::native;
  x.side_effect = effect;
  return x;
}

struct fixture : test::dependency_fixture_base {};

} // namespace

CAF_TEST_FIXTURE_SCOPE(tool_registry_tests, fixture)

CAF_TEST(registered tools are found by name) {
  tool_registry registry;
  CAF_CHECK(!registry.add("search", {}, constant("a")));
  CAF_CHECK(!registry.add("fetch", {config::side_effect_kind::pure, true},
                          constant("b")));
  const auto* search = registry.find("search");
  CAF_REQUIRE(search != nullptr);
  CAF_CHECK(search->options.side_effect == config::side_effect_kind::effectful);
  CAF_CHECK(!search->options.blocking);
  // Held: CAF_CHECK_EQUAL binds a reference into its argument's temporary.
  auto result = search->function("{}", "k");
  CAF_CHECK_EQUAL(*result.output, "a");
  CAF_CHECK(registry.find("fetch")->options.blocking);
  CAF_CHECK(registry.find("other") == nullptr);
  CAF_CHECK(registry.names() == std::vector<std::string>({"fetch", "search"}));
}

CAF_TEST(duplicate names empty names and empty functions are refused) {
  tool_registry registry;
  CAF_CHECK(!registry.add("search", {}, constant("a")));
  auto duplicate = registry.add("search", {}, constant("b"));
  CAF_CHECK(warden_code(duplicate) == error_code::invalid_argument);
  auto first = registry.find("search")->function("", "");
  CAF_CHECK_EQUAL(*first.output, "a");
  CAF_CHECK(registry.add("", {}, constant("c")));
  CAF_CHECK(registry.add("empty", {}, tool_function{}));
}

CAF_TEST(configured native tools without a registration are reported) {
  tool_registry registry;
  CAF_CHECK(!registry.add("search", {}, constant("a")));
  std::map<std::string, config::tool_settings> tools;
  tools["search"] = native();
  tools["fetch"] = native();
  tools["mail"] = native();
  config::tool_settings echo;
  echo.kind = config::tool_kind::echo;
  tools["echo"] = echo;
  CAF_CHECK(missing_native_tools(registry, tools) ==
            std::vector<std::string>({"fetch", "mail"}));
  auto err = check_native_tools(registry, tools);
  CAF_REQUIRE(err);
  CAF_CHECK(warden_code(err) == error_code::invalid_argument);
  CAF_CHECK_EQUAL(error_reason(err),
                  "native tools 'fetch', 'mail' are configured but not "
                  "registered");
  CAF_CHECK(!registry.add("fetch", {}, constant("b")));
  CAF_CHECK(!registry.add("mail", {}, constant("c")));
  CAF_CHECK(!check_native_tools(registry, tools));
}

CAF_TEST(backends refuse unregistered natives and spawn_agent tools) {
  tool_registry registry;
  auto missing = make_tool_backend(sys, "search", native(), registry);
  CAF_REQUIRE(!missing);
  CAF_CHECK_NOT_EQUAL(error_reason(missing.error()).find("'search'"),
                      std::string::npos);
  config::tool_settings spawn;
  spawn.kind = config::tool_kind::spawn_agent;
  spawn.agent = "summarizer";
  CAF_CHECK(!make_tool_backend(sys, "summarize", spawn, registry));
  config::tool_settings echo;
  echo.kind = config::tool_kind::echo;
  CAF_CHECK(make_tool_backend(sys, "echo", echo, registry));
}

CAF_TEST(the stricter side effect of config and registration governs) {
  tool_registry registry;
  CAF_CHECK(!registry.add(
      "search", {config::side_effect_kind::effectful, false}, constant("a")));
  CAF_CHECK(!registry.add("lookup", {config::side_effect_kind::pure, false},
                          constant("b")));
  auto search = make_tool_runner_config(
      sys, "search", native(config::side_effect_kind::idempotent), registry);
  CAF_REQUIRE(search);
  CAF_CHECK(search->settings.side_effect ==
            config::side_effect_kind::effectful);
  auto lookup = make_tool_runner_config(
      sys, "lookup", native(config::side_effect_kind::idempotent), registry);
  CAF_REQUIRE(lookup);
  CAF_CHECK(lookup->settings.side_effect ==
            config::side_effect_kind::idempotent);
  CAF_CHECK(stricter(config::side_effect_kind::pure,
                     config::side_effect_kind::idempotent) ==
            config::side_effect_kind::idempotent);
}

CAF_TEST_FIXTURE_SCOPE_END()
