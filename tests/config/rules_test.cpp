#define CAF_SUITE config.rules
#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "config/validate.hpp"
#include "tests/config/support.hpp"

using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;

// Admission -----------------------------------------------------------------

CAF_TEST(a tier cap above the global cap is refused) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = 100\n[tiers.pro]\n"
                            "in_flight_cap = 200\n"),
                       "tiers.pro.in_flight_cap", 4,
                       "must be at most admission.global_cap (100), got 200"));
}

CAF_TEST(a tier queue above the global queue is refused) {
  CAF_CHECK(only_error(load("[admission]\nglobal_queue_cap = 10\n[tiers.pro]\n"
                            "queue_cap = 20\n"),
                       "tiers.pro.queue_cap", 4,
                       "must be at most admission.global_queue_cap (10)"));
}

CAF_TEST(a default tier cap above a lowered global cap names the absent key) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = 5\n[tiers.pro]\n"),
                       "tiers.pro.in_flight_cap", 0,
                       "must be at most admission.global_cap (5), got 10"));
}

CAF_TEST(a tenant override above the global cap is refused) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = 100\n[tiers.t]\n"
                            "[tenants.x]\ntier = \"t\"\nin_flight_cap = 500\n"),
                       "tenants.x.in_flight_cap", 6,
                       "must be at most admission.global_cap (100)"));
}

CAF_TEST(reservations adding up to the global cap are refused) {
  CAF_CHECK(only_error(load(R"([admission]
global_cap = 100
[[priorities]]
name = "high"
reserved = 60
[[priorities]]
name = "mid"
reserved = 40
[[priorities]]
name = "low"
)"),
                       "priorities", 3,
                       "reserved slots add up to 100, which must stay below "
                       "admission.global_cap (100)"));
}

CAF_TEST(a reservation on the lowest class is refused) {
  CAF_CHECK(only_error(load("[[priorities]]\nname = \"a\"\n[[priorities]]\n"
                            "name = \"b\"\nreserved = 5\n"),
                       "priorities[1].reserved", 5,
                       "must be 0 for the lowest class (`b`)"));
}

CAF_TEST(duplicate priority names are refused) {
  CAF_CHECK(only_error(load("[[priorities]]\nname = \"a\"\n[[priorities]]\n"
                            "name = \"a\"\n"),
                       "priorities[1].name", 4,
                       "duplicate priority class `a` (also priorities[0])"));
}

CAF_TEST(an empty list of priority classes is refused) {
  CAF_CHECK(only_error(load("priorities = []\n"), "priorities", 1,
                       "must define 1 to 16 classes, got 0"));
}

// Node ----------------------------------------------------------------------

CAF_TEST(the node and metrics listeners may not share an address) {
  CAF_CHECK(
      only_error(load("[node]\nlisten = \"127.0.0.1:9000\"\n"
                      "[metrics]\nlisten = \"127.0.0.1:9000\"\n"),
                 "metrics.listen", 4,
                 "must not use the port of node.listen (127.0.0.1:9000)"));
}

CAF_TEST(a wildcard listener clashes with a loopback one on the same port) {
  CAF_CHECK(only_error(load("[node]\nlisten = \"0.0.0.0:9464\"\n"),
                       "node.listen", 2,
                       "must not use the port of metrics.listen "
                       "(127.0.0.1:9464)"));
}

CAF_TEST(listeners on the same port of different hosts do not clash) {
  auto result = load("[node]\nlisten = \"10.0.0.1:9464\"\n");
  CAF_CHECK(result.ok());
}

// Providers and tools ---------------------------------------------------------

CAF_TEST(an openai provider without an endpoint is refused) {
  CAF_CHECK(only_error(load("[providers.o]\nkind = \"openai\"\n"),
                       "providers.o.endpoint", 0,
                       "is required for kind = \"openai\""));
}

CAF_TEST(an endpoint on a scripted provider is refused) {
  CAF_CHECK(only_error(
      load("[providers.s]\nendpoint = \"https://x.example\"\n"),
      "providers.s.endpoint", 2, "only applies to kind = \"openai\""));
}

CAF_TEST(keys of openai providers are refused on scripted ones) {
  CAF_CHECK(only_error(load("[providers.s]\ntls_verify = false\n"),
                       "providers.s.tls_verify", 2,
                       "only applies to kind = \"openai\""));
  CAF_CHECK(only_error(load("[providers.s]\nmax_connections = 4\n"),
                       "providers.s.max_connections", 2,
                       "only applies to kind = \"openai\""));
}

CAF_TEST(an openai provider takes its endpoint from the environment) {
  auto result = load("[providers.o]\nkind = \"openai\"\n"
                     "endpoint_env = \"OPENAI_BASE_URL\"\n");
  CAF_CHECK_EQUAL(render(result.errors), " (none)");
}

CAF_TEST(a switch that is not a boolean is refused) {
  CAF_CHECK(only_error(load("[providers.o]\nkind = \"openai\"\n"
                            "endpoint = \"http://x.example\"\n"
                            "tls_verify = \"no\"\n"),
                       "providers.o.tls_verify", 4,
                       "must be true or false, got a string"));
}

CAF_TEST(extra headers must be valid header fields) {
  auto base = std::string{"[providers.o]\nkind = \"openai\"\n"
                          "endpoint = \"http://x.example\"\n"};
  CAF_CHECK(only_error(load(base + "[[providers.o.headers]]\n"
                                   "name = \"OpenAI Organization\"\n"),
                       "providers.o.headers[0].name", 5,
                       "must be an HTTP header name"));
  // A CR LF in a value would let it add fields of its own.
  CAF_CHECK(only_error(
      load(base + "[[providers.o.headers]]\n"
                  "name = \"X-A\"\nvalue = \"a\\r\\nX-B: b\"\n"),
      "providers.o.headers[0].value", 6, "must not hold control characters"));
  auto good = load(base + "[[providers.o.headers]]\nname = \"api-version\"\n"
                          "value = \"2024-10-21\"\n");
  CAF_CHECK_EQUAL(render(good.errors), " (none)");
}

CAF_TEST(a model priced twice is refused) {
  CAF_CHECK(only_error(load("[[providers.s.models]]\nname = \"m\"\n"
                            "[[providers.s.models]]\nname = \"m\"\n"),
                       "providers.s.models[1].name", 4,
                       "names model \"m\" again"));
}

CAF_TEST(fallback models name defined providers and another model) {
  auto base = std::string{"[providers.p]\n[agents.a]\nprovider = \"p\"\n"};
  CAF_CHECK(only_error(load(base + "[[agents.a.fallback_models]]\n"
                                   "provider = \"nowhere\"\n"),
                       "agents.a.fallback_models[0].provider", 5, "nowhere"));
  CAF_CHECK(only_error(load(base + "[[agents.a.fallback_models]]\n"
                                   "provider = \"p\"\n"),
                       "agents.a.fallback_models[0]", 4,
                       "names the agent's own model"));
}

CAF_TEST(a temperature beyond two is refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[agents.a]\nprovider = \"p\"\n"
                            "temperature = 2.5\n"),
                       "agents.a.temperature", 4,
                       "must be in [0.0, 2.0], got 2.5"));
}

CAF_TEST(an initial backoff above the maximum backoff is refused) {
  CAF_CHECK(only_error(load("[providers.p.retry]\ninitial_backoff_ms = 500\n"
                            "max_backoff_ms = 100\n"),
                       "providers.p.retry.initial_backoff_ms", 2,
                       "must be at most max_backoff_ms (100), got 500"));
}

CAF_TEST(a retry deadline shorter than the first backoff is refused) {
  CAF_CHECK(only_error(load("[providers.p.retry]\ninitial_backoff_ms = 500\n"
                            "max_elapsed_ms = 100\n"),
                       "providers.p.retry.max_elapsed_ms", 3,
                       "no retry could ever start"));
}

CAF_TEST(retries with no retryable error class are refused) {
  CAF_CHECK(only_error(load("[providers.p.retry]\nretry_on = []\n"),
                       "providers.p.retry.retry_on", 2,
                       "nothing is retried although max_attempts is 3"));
}

CAF_TEST(an error class listed twice is refused) {
  CAF_CHECK(only_error(load("[providers.p.retry]\nretry_on = [\"timeout\", "
                            "\"timeout\"]\n"),
                       "providers.p.retry.retry_on[1]", 2,
                       "duplicate error class \"timeout\""));
}

CAF_TEST(minimum calls above a count window are refused) {
  CAF_CHECK(only_error(load("[tools.t.breaker]\nwindow_size = 10\n"
                            "minimum_calls = 20\n"),
                       "tools.t.breaker.minimum_calls", 3,
                       "must be at most window_size (10) for a count window"));
}

CAF_TEST(a time length on a count window is refused) {
  CAF_CHECK(only_error(load("[tools.t.breaker]\nwindow_ms = 5000\n"),
                       "tools.t.breaker.window_ms", 2,
                       "only applies to window = \"time\""));
}

CAF_TEST(a slow call threshold above the timeout is refused) {
  CAF_CHECK(only_error(load("[tools.t]\ntimeout_ms = 1000\n[tools.t.breaker]\n"
                            "slow_call_ms = 2000\n"),
                       "tools.t.breaker.slow_call_ms", 4,
                       "must be at most timeout_ms (1000)"));
}

CAF_TEST(retrying an effectful tool is refused) {
  CAF_CHECK(only_error(load("[tools.t]\n[tools.t.retry]\nmax_attempts = 3\n"),
                       "tools.t.retry.max_attempts", 3,
                       "must be 1 for an effectful tool"));
}

CAF_TEST(a key of another tool kind is refused) {
  CAF_CHECK(
      only_error(load("[tools.t]\nkind = \"echo\"\nduration_ms = 10\n"),
                 "tools.t.duration_ms", 3,
                 "only applies to kind = \"sleep\", not kind = \"echo\""));
}

CAF_TEST(
    an append_file tool without a path is refused on the line of its kind) {
  CAF_CHECK(only_error(load("[tools.log]\ntimeout_ms = 100\n"
                            "kind = \"append_file\"\n"),
                       "tools.log.path", 3,
                       "is required for kind = \"append_file\""));
}

CAF_TEST(an empty append_file path is refused on its own line) {
  CAF_CHECK(only_error(load("[tools.log]\nkind = \"append_file\"\n"
                            "path = \"\"\n"),
                       "tools.log.path", 3,
                       "is required for kind = \"append_file\""));
}

CAF_TEST(a path on a tool of another kind is refused) {
  CAF_CHECK(only_error(
      load("[tools.t]\nkind = \"sleep\"\npath = \"out.log\"\n"), "tools.t.path",
      3, "only applies to kind = \"append_file\", not kind = \"sleep\""));
}

CAF_TEST(an append_file tool with a path loads as an effectful tool) {
  auto result = load("[tools.log]\nkind = \"append_file\"\n"
                     "path = \"var/effects.log\"\n");
  CAF_CHECK(result.ok());
  if (!result.ok())
    CAF_MESSAGE("errors:" << render(result.errors));
  const auto& tools = result.value.tools;
  CAF_REQUIRE_EQUAL(tools.count("log"), 1u);
  CAF_CHECK(tools.at("log").kind == warden::config::tool_kind::append_file);
  CAF_CHECK_EQUAL(tools.at("log").path, "var/effects.log");
  CAF_CHECK(tools.at("log").side_effect ==
            warden::config::side_effect_kind::effectful);
}

CAF_TEST(an append_file tool built in code without a path is refused) {
  warden::config::settings cfg;
  cfg.tools["log"].kind = warden::config::tool_kind::append_file;
  auto errors = warden::config::validate(cfg);
  CAF_REQUIRE_EQUAL(errors.size(), 1u);
  CAF_CHECK_EQUAL(errors[0].key, "tools.log.path");
  CAF_CHECK_EQUAL(errors[0].line, 0u);
}

// Agents ----------------------------------------------------------------------

CAF_TEST(a tool timeout longer than the turn timeout of its agent is refused) {
  CAF_CHECK(only_error(load("[providers.p]\ntimeout_ms = 100\n[tools.slow]\n"
                            "timeout_ms = 60000\n[agents.a]\nprovider = \"p\"\n"
                            "tools = [\"slow\"]\nturn_timeout_ms = 30000\n"),
                       "tools.slow.timeout_ms", 4,
                       "must be at most agents.a.turn_timeout_ms (30000) of "
                       "an agent that uses this tool, got 60000"));
}

CAF_TEST(a provider timeout longer than the turn timeout is refused) {
  CAF_CHECK(only_error(load("[providers.p]\ntimeout_ms = 60000\n[agents.a]\n"
                            "provider = \"p\"\nturn_timeout_ms = 1000\n"),
                       "providers.p.timeout_ms", 2,
                       "must be at most agents.a.turn_timeout_ms (1000)"));
}

CAF_TEST(more children than descendants are refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[agents.a]\nprovider = \"p\"\n"
                            "[agents.a.fanout]\nmax_children = 10\n"
                            "max_descendants = 5\n"),
                       "agents.a.fanout.max_children", 5,
                       "must be at most max_descendants (5), got 10"));
}

CAF_TEST(a repeat threshold above the loop window is refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[agents.a]\nprovider = \"p\"\n"
                            "[agents.a.doom_loop]\nrepeat_threshold = 30\n"
                            "window_calls = 10\n"),
                       "agents.a.doom_loop.repeat_threshold", 5,
                       "must be at most window_calls (10)"));
}

CAF_TEST(a context larger than the run token budget is refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[agents.a]\nprovider = \"p\"\n"
                            "context_token_budget = 50000\n"
                            "[agents.a.run_budget]\ntokens = 10000\n"),
                       "agents.a.context_token_budget", 4,
                       "must be at most run_budget.tokens (10000)"));
}

CAF_TEST(an agent with more permits than the global cap is refused) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = 100\n[providers.p]\n"
                            "[agents.a]\nprovider = \"p\"\n"
                            "max_concurrency = 500\n"),
                       "agents.a.max_concurrency", 6,
                       "must be at most admission.global_cap (100)"));
}

CAF_TEST(an agent that spawns children may have more permits than slots) {
  // Its turns that wait for their children hold permits but no slot.
  auto loaded = load("[admission]\nglobal_cap = 100\n[providers.p]\n"
                     "[tools.ask]\nkind = \"spawn_agent\"\nagent = \"b\"\n"
                     "[agents.a]\nprovider = \"p\"\ntools = [\"ask\"]\n"
                     "max_concurrency = 500\n"
                     "[agents.a.fanout]\nmax_depth = 2\n"
                     "[agents.b]\nprovider = \"p\"\n");
  for (const auto& err : loaded.errors)
    CAF_MESSAGE(err.to_string());
  CAF_CHECK(loaded.ok());
}

CAF_TEST(fewer resident sessions than the global cap are refused) {
  CAF_CHECK(only_error(load("[sessions]\nmax_resident = 1000\n"),
                       "sessions.max_resident", 2,
                       "must be 0 (no limit) or at least admission.global_cap "
                       "(4096)"));
}

// Several problems
// -------------------------------------------------------------

CAF_TEST(a file with several problems reports every one in file order) {
  auto result = load(R"([node]
name = 7
drain_timeout_ms = -1
[admission]
global_cap = 0
[tiers.pro]
in_flight_cap = "20"
[tenants.acme]
tier = "gold"
[tools.t]
kind = "sleeep"
timout_ms = 5
[agents.a]
provider = "none"
[agents.a.fanout]
max_children = 9
max_descendants = 3
[tenants.solo]
weight = 2
)");
  CAF_MESSAGE("errors:" << render(result.errors));
  CAF_CHECK_EQUAL(result.errors.size(), 10u);
  CAF_CHECK(has_error(result, "node.name", 2, "must be a string"));
  CAF_CHECK(has_error(result, "node.drain_timeout_ms", 3, "[0, 3600000]"));
  CAF_CHECK(has_error(result, "admission.global_cap", 5, "[1, 1048576]"));
  CAF_CHECK(has_error(result, "tiers.pro.in_flight_cap", 7, "integer"));
  CAF_CHECK(has_error(result, "tenants.acme.tier", 9, "`gold`"));
  CAF_CHECK(has_error(result, "tools.t.kind", 11, "did you mean \"sleep\"?"));
  CAF_CHECK(has_error(result, "tools.t.timout_ms", 12, "`timeout_ms`"));
  CAF_CHECK(has_error(result, "agents.a.provider", 14, "`none`"));
  CAF_CHECK(has_error(result, "agents.a.fanout.max_children", 16, "(3)"));
  CAF_CHECK(has_error(result, "tenants.solo.tier", 0, "is required"));
  // File order, the rule about an absent key last.
  for (std::size_t i = 1; i + 1 < result.errors.size(); ++i)
    CAF_CHECK_LESS(result.errors[i - 1].line, result.errors[i].line);
  CAF_CHECK_EQUAL(result.errors.back().line, 0u);
}
