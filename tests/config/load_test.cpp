#define CAF_SUITE config.load
#include <string>

#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "config/validate.hpp"
#include "tests/config/support.hpp"

using namespace warden::config;
using warden::config::test::load;
using warden::config::test::render;

namespace {

const std::string shipped = WARDEN_SOURCE_DIR "/config/warden.toml";

} // namespace

CAF_TEST(the shipped configuration loads without any error) {
  auto result = load_file(shipped);
  CAF_CHECK(result.ok());
  CAF_CHECK_EQUAL(result.errors.size(), 0u);
  if (!result.ok())
    CAF_MESSAGE("errors:" << render(result.errors));
}

CAF_TEST(the shipped configuration describes the demo node) {
  auto result = load_file(shipped);
  CAF_REQUIRE(result.ok());
  const auto& cfg = result.value;
  CAF_CHECK_EQUAL(cfg.node.data_dir, "./var");
  CAF_CHECK_EQUAL(cfg.node.listen.to_string(), "127.0.0.1:4242");
  CAF_CHECK(!cfg.cluster.enabled());
  CAF_CHECK_EQUAL(cfg.cluster.heartbeat_interval_ms, 500u);
  CAF_CHECK_EQUAL(cfg.cluster.failure_timeout_ms, 3000u);
  CAF_CHECK_EQUAL(cfg.metrics.listen.to_string(), "127.0.0.1:9464");
  CAF_CHECK_EQUAL(cfg.admission.global_cap, 4096u);
  CAF_REQUIRE_EQUAL(cfg.tiers.size(), 3u);
  CAF_CHECK_EQUAL(cfg.tiers.at("free").in_flight_cap, 2u);
  CAF_CHECK_EQUAL(cfg.tiers.at("pro").in_flight_cap, 20u);
  CAF_CHECK_EQUAL(cfg.tiers.at("enterprise").in_flight_cap, 200u);
  CAF_REQUIRE_EQUAL(cfg.priorities.size(), 2u);
  CAF_CHECK_EQUAL(cfg.priorities[0].name, "interactive");
  CAF_CHECK_GREATER(cfg.priorities[0].reserved, 0u);
  CAF_CHECK_EQUAL(cfg.priorities[1].name, "batch");
  CAF_CHECK_EQUAL(cfg.default_priority(), "batch");
  CAF_REQUIRE_EQUAL(cfg.providers.count("scripted"), 1u);
  CAF_CHECK(cfg.providers.at("scripted").kind == provider_kind::scripted);
  for (auto kind : {tool_kind::echo, tool_kind::sleep, tool_kind::fail,
                    tool_kind::append_file, tool_kind::spawn_agent}) {
    auto count = 0;
    for (const auto& entry : cfg.tools)
      count += entry.second.kind == kind ? 1 : 0;
    CAF_CHECK_EQUAL(count, 1);
  }
  CAF_REQUIRE_EQUAL(cfg.agents.size(), 2u);
  const auto& researcher = cfg.agents.at("researcher");
  CAF_CHECK_EQUAL(researcher.max_concurrency, 500u);
  CAF_CHECK_EQUAL(researcher.provider, "scripted");
  CAF_CHECK_GREATER(researcher.fanout.max_depth, 1u);
  CAF_CHECK_EQUAL(cfg.tools.at("summarize").agent, "summarizer");
  CAF_CHECK_GREATER_OR_EQUAL(cfg.tenants.size(), 3u);
  CAF_CHECK_EQUAL(cfg.tenants.at("acme").tier, "enterprise");
  CAF_CHECK_EQUAL(cfg.tenants.at("hobbyist").tier, "free");
  auto initech = cfg.tenants.at("initech").apply_to(cfg.tiers.at("pro"));
  CAF_CHECK_EQUAL(initech.in_flight_cap, 40u);
  CAF_CHECK_EQUAL(initech.weight, cfg.tiers.at("pro").weight);
  CAF_CHECK_GREATER(cfg.sessions.idle_ttl_ms, 0u);
  CAF_CHECK_GREATER(cfg.sessions.max_resident, 0u);
  CAF_CHECK_EQUAL(cfg.sessions.expire_after_ms, 2592000000u);
  CAF_CHECK_EQUAL(cfg.storage.retention_ms, 604800000u);
  CAF_CHECK_EQUAL(cfg.storage.max_batch_entries, 4096u);
  CAF_CHECK_EQUAL(cfg.storage.sweep_interval_ms, 60000u);
}

CAF_TEST(an empty file gives every default) {
  auto result = load("");
  CAF_CHECK(result.ok());
  const auto& cfg = result.value;
  settings defaults;
  CAF_CHECK_EQUAL(cfg.node.name, "warden-1");
  CAF_CHECK_EQUAL(cfg.node.data_dir, "./var");
  CAF_CHECK_EQUAL(cfg.node.scheduler_threads, 0u);
  CAF_CHECK(cfg.node.listen == (endpoint{"127.0.0.1", 4242}));
  CAF_CHECK(!cfg.cluster.enabled());
  CAF_CHECK_EQUAL(cfg.cluster.heartbeat_interval_ms, 500u);
  CAF_CHECK_EQUAL(cfg.cluster.failure_timeout_ms, 3000u);
  CAF_CHECK(cfg.metrics.listen == (endpoint{"127.0.0.1", 9464}));
  CAF_CHECK_EQUAL(cfg.admission.global_cap, 4096u);
  CAF_CHECK_EQUAL(cfg.admission.global_queue_cap, 65536u);
  CAF_CHECK_EQUAL(cfg.admission.default_priority, "");
  CAF_REQUIRE_EQUAL(cfg.priorities.size(), 2u);
  CAF_CHECK_EQUAL(cfg.priorities[0].name, "interactive");
  CAF_CHECK_EQUAL(cfg.priorities[1].name, "batch");
  CAF_CHECK_EQUAL(cfg.default_priority(), "batch");
  CAF_CHECK(cfg.tiers.empty() && cfg.tenants.empty() && cfg.agents.empty());
  CAF_CHECK(cfg.providers.empty() && cfg.tools.empty());
  CAF_CHECK_EQUAL(cfg.sessions.idle_ttl_ms, defaults.sessions.idle_ttl_ms);
  CAF_CHECK_EQUAL(cfg.sessions.max_resident, defaults.sessions.max_resident);
  CAF_CHECK_EQUAL(cfg.sessions.expire_after_ms, 2592000000u);
  CAF_CHECK_EQUAL(cfg.storage.retention_ms, 604800000u);
  CAF_CHECK_EQUAL(cfg.storage.max_batch_entries, 4096u);
  CAF_CHECK_EQUAL(cfg.storage.sweep_interval_ms, 60000u);
}

CAF_TEST(a table with no keys takes the defaults of its struct) {
  auto result = load("[providers.p]\n[tools.t]\n[agents.a]\nprovider = "
                     "\"p\"\n[tiers.t]\n[tenants.x]\ntier = \"t\"\n");
  CAF_REQUIRE(result.ok());
  const auto& cfg = result.value;
  provider_settings provider;
  tool_settings tool;
  agent_settings agent;
  tier_settings tier;
  CAF_CHECK(cfg.providers.at("p").kind == provider.kind);
  CAF_CHECK_EQUAL(cfg.providers.at("p").retry.max_attempts,
                  provider.retry.max_attempts);
  CAF_CHECK(cfg.tools.at("t").kind == tool_kind::native);
  CAF_CHECK_EQUAL(cfg.tools.at("t").retry.max_attempts, 1u);
  CAF_CHECK_EQUAL(cfg.tools.at("t").timeout_ms, tool.timeout_ms);
  CAF_CHECK_EQUAL(cfg.agents.at("a").max_concurrency, agent.max_concurrency);
  CAF_CHECK_EQUAL(cfg.agents.at("a").fanout.max_depth, agent.fanout.max_depth);
  CAF_CHECK_EQUAL(cfg.tiers.at("t").in_flight_cap, tier.in_flight_cap);
  CAF_CHECK(!cfg.tenants.at("x").in_flight_cap.has_value());
}

CAF_TEST(values of every type are read into the settings) {
  auto result = load(R"(
[metrics]
listen = "[::1]:4243"
[api]
listen = "node-3.example:4244"
[providers.p.retry]
multiplier = 3
retry_on = ["timeout"]
[providers.p.breaker]
window = "time"
window_ms = 5000
failure_rate = 0.25
)");
  CAF_REQUIRE(result.ok());
  const auto& cfg = result.value;
  CAF_CHECK_EQUAL(cfg.metrics.listen.host, "::1");
  CAF_CHECK_EQUAL(cfg.metrics.listen.port, 4243u);
  CAF_CHECK_EQUAL(cfg.metrics.listen.to_string(), "[::1]:4243");
  CAF_CHECK_EQUAL(cfg.api.listen.host, "node-3.example");
  const auto& provider = cfg.providers.at("p");
  CAF_CHECK_EQUAL(provider.retry.multiplier, 3.0);
  CAF_REQUIRE_EQUAL(provider.retry.retry_on.size(), 1u);
  CAF_CHECK(provider.retry.retry_on[0] == error_class::timeout);
  CAF_CHECK(provider.breaker.window == breaker_window::time);
  CAF_CHECK_EQUAL(provider.breaker.window_ms, 5000u);
  CAF_CHECK_EQUAL(provider.breaker.failure_rate, 0.25);
}

CAF_TEST(a missing file is an error naming the path) {
  auto path = std::string{WARDEN_SOURCE_DIR} + "/config/no-such-file.toml";
  auto result = load_file(path);
  CAF_REQUIRE_EQUAL(result.errors.size(), 1u);
  CAF_CHECK_EQUAL(result.errors[0].file, path);
  CAF_CHECK_EQUAL(result.errors[0].line, 0u);
  CAF_CHECK(result.errors[0].to_string().find(path) == 0);
  CAF_CHECK(result.errors[0].message.find("No such file") != std::string::npos);
}

CAF_TEST(a directory is not a readable configuration) {
  auto result = load_file(WARDEN_SOURCE_DIR "/config");
  CAF_REQUIRE_EQUAL(result.errors.size(), 1u);
  CAF_CHECK(result.errors[0].message.find("directory") != std::string::npos);
}

CAF_TEST(errors render as file line column key and message) {
  config_error full{"a.toml", 3, 7, "node.name", "must be a string"};
  CAF_CHECK_EQUAL(full.to_string(), "a.toml:3:7: node.name: must be a string");
  config_error no_column{"a.toml", 3, 0, "node.name", "bad"};
  CAF_CHECK_EQUAL(no_column.to_string(), "a.toml:3: node.name: bad");
  config_error no_line{"a.toml", 0, 0, "tenants.x.tier", "is required"};
  CAF_CHECK_EQUAL(no_line.to_string(), "a.toml: tenants.x.tier: is required");
  config_error no_key{"a.toml", 0, 0, "", "cannot read"};
  CAF_CHECK_EQUAL(no_key.to_string(), "a.toml: cannot read");
}

CAF_TEST(validate checks settings built in code) {
  settings cfg;
  CAF_CHECK(validate(cfg).empty());
  cfg.admission.global_cap = 0;
  cfg.tools["t"].kind = tool_kind::spawn_agent;
  auto errors = validate(cfg);
  CAF_REQUIRE_EQUAL(errors.size(), 2u);
  CAF_CHECK_EQUAL(errors[0].key, "admission.global_cap");
  CAF_CHECK_EQUAL(errors[0].message, "must be in [1, 1048576], got 0");
  CAF_CHECK_EQUAL(errors[1].key, "tools.t.agent");
  CAF_CHECK_EQUAL(errors[0].line, 0u);
}

CAF_TEST(a tenant inherits every limit it does not override) {
  tier_settings tier;
  tier.in_flight_cap = 5;
  tier.weight = 3;
  tenant_settings tenant;
  tenant.weight = 7;
  auto effective = tenant.apply_to(tier);
  CAF_CHECK_EQUAL(effective.in_flight_cap, 5u);
  CAF_CHECK_EQUAL(effective.weight, 7u);
}
