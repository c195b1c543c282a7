#pragma once

#include "config/detail/checks.hpp"
#include "config/settings.hpp"

// The schema of the file, written once: for each table, its keys, the
// members they fill and the rules their values follow. A visitor walks it:
// the TOML reader (reading and refusing values, flagging unknown keys) and
// the value checker of validate() (checking settings built in C++).
//
// A visitor V provides:
//   field(key, bool&)
//   field(key, integral&, int_range)
//   field(key, optional<integral>&, int_range)
//   field(key, double&, real_range)
//   field(key, optional<double>&, real_range)
//   field(key, std::string&, text_rule)
//   field(key, enum&)
//   field(key, std::vector<enum>&)
//   field(key, endpoint&, port_rule)
//   field(key, std::vector<std::string>&, text_rule)
//   field(key, std::map<std::string, std::string>&, text_rule names,
//         text_rule values)
//   table(key, T&)
//   named_tables(key, std::map<std::string, T>&)
//   table_array(key, std::vector<T>&)
//   retired(key, message): a key the file no longer takes; `message` says
//     what replaced it
namespace warden::config::detail {

/// The allowed ranges, named once (the struct comments repeat them).
namespace limits {
inline constexpr int_range threads{0, 256};
inline constexpr int_range cap{1, 1'048'576};
inline constexpr int_range queue{0, 16'777'216};
inline constexpr int_range reserved{0, 1'048'576};
inline constexpr int_range weight{1, 10'000};
inline constexpr int_range requests_per_minute{0, 10'000'000};
inline constexpr int_range tokens_per_minute{0, 1'000'000'000'000};
inline constexpr int_range daily_tokens{0, 1'000'000'000'000'000};
inline constexpr int_range call_timeout_ms{1, 3'600'000};
inline constexpr int_range attempts{1, 100};
inline constexpr int_range backoff_ms{1, 3'600'000};
inline constexpr real_range multiplier{1.0, 100.0};
inline constexpr int_range max_elapsed_ms{0, 86'400'000};
inline constexpr real_range ratio{0.0, 1.0};
inline constexpr real_range rate{0.0, 1.0, true};
inline constexpr int_range min_retries{0, 1'000'000};
inline constexpr int_range window_ms{1'000, 3'600'000};
inline constexpr int_range calls{1, 100'000};
inline constexpr int_range open_ms{1, 86'400'000};
inline constexpr int_range probes{1, 1'000};
inline constexpr int_range duration_ms{0, 3'600'000};
inline constexpr int_range times{0, 1'000'000};
/// tools.<name>.max_output_bytes: up to 64 MiB of a command's output or an
/// http tool's response body.
inline constexpr int_range output_bytes{1, 67'108'864};
/// tools.<name>.kill_grace_ms: SIGTERM to SIGKILL, up to a minute.
inline constexpr int_range kill_grace_ms{0, 60'000};
/// mcp_servers.<name>.max_processes.
inline constexpr int_range processes{1, 256};
/// mcp_servers.<name>.max_message_bytes: one line of JSON-RPC.
inline constexpr int_range message_bytes{1'024, 67'108'864};
/// mcp_servers.<name>.stderr_bytes: the ring operators read.
inline constexpr int_range stderr_bytes{0, 16'777'216};
inline constexpr int_range iterations{1, 10'000};
inline constexpr int_range turn_timeout_ms{1, 86'400'000};
inline constexpr int_range context_tokens{1, 100'000'000};
/// agents.max_completion_tokens: 0 = no limit of the agent's own.
inline constexpr int_range context_tokens_or_off{0, 100'000'000};
inline constexpr real_range temperature{0.0, 2.0};
inline constexpr int_range run_tokens{0, 1'000'000'000'000};
inline constexpr int_range cost_micros{0, 1'000'000'000'000'000};
inline constexpr int_range wall_ms{0, 604'800'000};
inline constexpr int_range depth{1, 64};
inline constexpr int_range children{0, 10'000};
inline constexpr int_range descendants{0, 1'000'000};
inline constexpr int_range repeats{2, 1'000};
inline constexpr int_range unparseable{1, 1'000};
inline constexpr int_range idle_ttl_ms{0, 2'592'000'000};
inline constexpr int_range resident{0, 1'000'000'000};
inline constexpr int_range retention_ms{0, 31'536'000'000};
inline constexpr int_range batch_entries{1, 1'000'000};
inline constexpr int_range sweep_interval_ms{100, 86'400'000};
/// node.drain_timeout_ms and peer_idle_timeout_ms: up to one hour.
inline constexpr int_range drain_timeout_ms{0, 3'600'000};
/// Connections a listener holds open at once.
inline constexpr int_range connections{1, 65'536};
/// A listener's deadlines (header, idle, write): up to one hour.
inline constexpr int_range io_timeout_ms{1, 3'600'000};
/// Largest request a listener reads.
inline constexpr int_range request_bytes{1'024, 1'048'576};
/// [api] threads.
inline constexpr int_range api_threads{1, 64};
/// [api] max_body_bytes.
inline constexpr int_range body_bytes{1'024, 67'108'864};
/// Number of [[priorities]] classes.
inline constexpr int_range priority_classes{1, 16};
/// cluster.heartbeat_interval_ms.
inline constexpr int_range heartbeat_interval_ms{10, 60'000};
/// cluster.failure_timeout_ms (and at least twice the heartbeat interval).
inline constexpr int_range failure_timeout_ms{20, 600'000};
/// cluster.lease_ttl_ms.
inline constexpr int_range lease_ttl_ms{100, 600'000};
/// cluster.lease_chunk.
inline constexpr int_range lease_chunk{1, 100'000};
/// Members of a cluster ([cluster] nodes when not empty): a member's index is
/// the 8 high bits of the ids it creates.
/// 2^5: policies::id_layout::max_members.
inline constexpr int_range cluster_members{2, 32};
} // namespace limits

template <class V>
void describe(V& v, node_settings& x) {
  v.field("name", x.name, text_rule::name);
  v.field("data_dir", x.data_dir, text_rule::non_empty);
  v.field("scheduler_threads", x.scheduler_threads, limits::threads);
  v.field("scheduler", x.scheduler);
  v.field("drain_timeout_ms", x.drain_timeout_ms, limits::drain_timeout_ms);
  v.field("listen", x.listen, port_rule::any_or_off);
  v.field("tls_cert", x.tls_cert, text_rule::any);
  v.field("tls_key", x.tls_key, text_rule::any);
  v.field("tls_ca_file", x.tls_ca_file, text_rule::any);
  v.field("tls_handshake_timeout_ms", x.tls_handshake_timeout_ms,
          limits::io_timeout_ms);
  v.field("max_pending_handshakes", x.max_pending_handshakes,
          limits::connections);
  v.field("peer_idle_timeout_ms", x.peer_idle_timeout_ms,
          limits::drain_timeout_ms);
  v.retired("peers", "was replaced by [cluster] nodes: every member, this "
                     "node among them, as { name, address }");
}

template <class V>
void describe(V& v, cluster_member& x) {
  v.field("name", x.name, text_rule::name);
  v.field("address", x.address, port_rule::non_zero);
}

template <class V>
void describe(V& v, cluster_settings& x) {
  v.table_array("nodes", x.nodes);
  v.field("heartbeat_interval_ms", x.heartbeat_interval_ms,
          limits::heartbeat_interval_ms);
  v.field("failure_timeout_ms", x.failure_timeout_ms,
          limits::failure_timeout_ms);
  v.field("handoff_on_drain", x.handoff_on_drain);
  v.field("secret_file", x.secret_file, text_rule::any);
  v.field("lease_ttl_ms", x.lease_ttl_ms, limits::lease_ttl_ms);
  v.field("lease_chunk", x.lease_chunk, limits::lease_chunk);
}

template <class V>
void describe(V& v, metrics_settings& x) {
  v.field("listen", x.listen, port_rule::any);
  v.field("max_connections", x.max_connections, limits::connections);
  v.field("header_timeout_ms", x.header_timeout_ms, limits::io_timeout_ms);
  v.field("idle_timeout_ms", x.idle_timeout_ms, limits::io_timeout_ms);
  v.field("write_timeout_ms", x.write_timeout_ms, limits::io_timeout_ms);
  v.field("max_request_bytes", x.max_request_bytes, limits::request_bytes);
}

template <class V>
void describe(V& v, api_key_settings& x) {
  v.field("tenant", x.tenant, text_rule::any);
  v.field("admin", x.admin);
  v.field("sha256", x.sha256, text_rule::sha256);
}

template <class V>
void describe(V& v, api_settings& x) {
  v.field("listen", x.listen, port_rule::any_or_off);
  v.field("tls_cert", x.tls_cert, text_rule::any);
  v.field("tls_key", x.tls_key, text_rule::any);
  v.field("threads", x.threads, limits::api_threads);
  v.field("max_connections", x.max_connections, limits::connections);
  v.field("header_timeout_ms", x.header_timeout_ms, limits::io_timeout_ms);
  v.field("body_timeout_ms", x.body_timeout_ms, limits::io_timeout_ms);
  v.field("idle_timeout_ms", x.idle_timeout_ms, limits::io_timeout_ms);
  v.field("write_timeout_ms", x.write_timeout_ms, limits::io_timeout_ms);
  v.field("max_header_bytes", x.max_header_bytes, limits::request_bytes);
  v.field("max_body_bytes", x.max_body_bytes, limits::body_bytes);
  v.field("node_timeout_ms", x.node_timeout_ms, limits::io_timeout_ms);
  v.field("max_wait_ms", x.max_wait_ms, limits::drain_timeout_ms);
  v.field("completion_timeout_ms", x.completion_timeout_ms,
          limits::turn_timeout_ms);
  v.named_tables("keys", x.keys);
}

template <class V>
void describe(V& v, admission_settings& x) {
  v.field("global_cap", x.global_cap, limits::cap);
  v.field("global_queue_cap", x.global_queue_cap, limits::queue);
  v.field("default_priority", x.default_priority, text_rule::any);
  v.field("default_tier", x.default_tier, text_rule::any);
}

template <class V>
void describe(V& v, governor_settings& x) {
  v.field("max_global", x.max_global, limits::cap);
  v.field("max_model_streams", x.max_model_streams, limits::cap);
  v.field("max_tool_calls", x.max_tool_calls, limits::cap);
  v.field("max_waiting_calls", x.max_waiting_calls, limits::queue);
}

// Tiers and tenants share their limit keys (tenants hold optionals).
template <class V, class T>
void describe_tier_limits(V& v, T& x) {
  v.field("in_flight_cap", x.in_flight_cap, limits::cap);
  v.field("queue_cap", x.queue_cap, limits::queue);
  v.field("weight", x.weight, limits::weight);
  v.field("daily_token_budget", x.daily_token_budget, limits::daily_tokens);
  v.field("requests_per_minute", x.requests_per_minute,
          limits::requests_per_minute);
  v.field("tokens_per_minute", x.tokens_per_minute, limits::tokens_per_minute);
}

template <class V>
void describe(V& v, tier_settings& x) {
  describe_tier_limits(v, x);
}

template <class V>
void describe(V& v, tenant_settings& x) {
  v.field("tier", x.tier, text_rule::any);
  describe_tier_limits(v, x);
}

template <class V>
void describe(V& v, priority_settings& x) {
  v.field("name", x.name, text_rule::name);
  v.field("reserved", x.reserved, limits::reserved);
}

template <class V>
void describe(V& v, retry_settings& x) {
  v.field("max_attempts", x.max_attempts, limits::attempts);
  v.field("initial_backoff_ms", x.initial_backoff_ms, limits::backoff_ms);
  v.field("max_backoff_ms", x.max_backoff_ms, limits::backoff_ms);
  v.field("multiplier", x.multiplier, limits::multiplier);
  v.field("max_elapsed_ms", x.max_elapsed_ms, limits::max_elapsed_ms);
  v.field("retry_on", x.retry_on);
  v.field("budget_ratio", x.budget_ratio, limits::ratio);
  v.field("budget_min_retries", x.budget_min_retries, limits::min_retries);
  v.field("budget_window_ms", x.budget_window_ms, limits::window_ms);
}

template <class V>
void describe(V& v, breaker_settings& x) {
  v.field("window", x.window);
  v.field("window_size", x.window_size, limits::calls);
  v.field("window_ms", x.window_ms, limits::window_ms);
  v.field("failure_rate", x.failure_rate, limits::rate);
  v.field("slow_call_rate", x.slow_call_rate, limits::rate);
  v.field("slow_call_ms", x.slow_call_ms, limits::call_timeout_ms);
  v.field("slow_first_token_ms", x.slow_first_token_ms, limits::duration_ms);
  v.field("minimum_calls", x.minimum_calls, limits::calls);
  v.field("open_ms", x.open_ms, limits::open_ms);
  v.field("half_open_probes", x.half_open_probes, limits::probes);
}

template <class V>
void describe(V& v, header_setting& x) {
  v.field("name", x.name, text_rule::header_name);
  v.field("value", x.value, text_rule::header_value);
}

template <class V>
void describe(V& v, model_price_settings& x) {
  v.field("name", x.name, text_rule::non_empty);
  v.field("input_per_million", x.input_per_million, limits::cost_micros);
  v.field("output_per_million", x.output_per_million, limits::cost_micros);
}

template <class V>
void describe(V& v, provider_settings& x) {
  v.field("kind", x.kind);
  v.field("script", x.script, text_rule::any);
  v.field("endpoint", x.endpoint, text_rule::url);
  v.field("endpoint_env", x.endpoint_env, text_rule::env_var);
  v.field("api_key_env", x.api_key_env, text_rule::env_var);
  v.field("api_key_header", x.api_key_header, text_rule::header_name);
  v.table_array("headers", x.headers);
  v.field("tls_verify", x.tls_verify);
  v.field("stream", x.stream);
  v.field("ca_file", x.ca_file, text_rule::any);
  v.field("max_connections", x.max_connections, limits::connections);
  v.table_array("models", x.models);
  v.field("timeout_ms", x.timeout_ms, limits::call_timeout_ms);
  v.field("requests_per_minute", x.requests_per_minute,
          limits::requests_per_minute);
  v.field("tokens_per_minute", x.tokens_per_minute, limits::tokens_per_minute);
  v.table("retry", x.retry);
  v.table("breaker", x.breaker);
}

template <class V>
void describe(V& v, tool_settings& x) {
  v.field("kind", x.kind);
  v.field("timeout_ms", x.timeout_ms, limits::call_timeout_ms);
  v.field("side_effect", x.side_effect);
  v.field("requests_per_minute", x.requests_per_minute,
          limits::requests_per_minute);
  v.field("duration_ms", x.duration_ms, limits::duration_ms);
  v.field("times", x.times, limits::times);
  v.field("error", x.error);
  v.field("agent", x.agent, text_rule::any);
  v.field("path", x.path, text_rule::any);
  v.field("command", x.command, text_rule::os_text);
  v.field("args", x.args, text_rule::os_text);
  v.field("env", x.env, text_rule::env_var, text_rule::os_text);
  v.field("cwd", x.cwd, text_rule::os_text);
  v.field("max_output_bytes", x.max_output_bytes, limits::output_bytes);
  v.field("kill_grace_ms", x.kill_grace_ms, limits::kill_grace_ms);
  v.field("url", x.url, text_rule::any);
  v.field("headers", x.headers, text_rule::header_name,
          text_rule::header_value);
  v.field("ca_file", x.ca_file, text_rule::os_text);
  v.table("retry", x.retry);
  v.table("breaker", x.breaker);
}

template <class V>
void describe(V& v, mcp_server_settings& x) {
  v.field("command", x.command, text_rule::os_text);
  v.field("args", x.args, text_rule::os_text);
  v.field("env", x.env, text_rule::env_var, text_rule::os_text);
  v.field("cwd", x.cwd, text_rule::os_text);
  v.field("timeout_ms", x.timeout_ms, limits::call_timeout_ms);
  v.field("startup_timeout_ms", x.startup_timeout_ms, limits::call_timeout_ms);
  v.field("max_processes", x.max_processes, limits::processes);
  v.field("max_queue", x.max_queue, limits::queue);
  v.field("idle_ttl_ms", x.idle_ttl_ms, limits::idle_ttl_ms);
  v.field("ping_timeout_ms", x.ping_timeout_ms, limits::call_timeout_ms);
  v.field("kill_grace_ms", x.kill_grace_ms, limits::kill_grace_ms);
  v.field("restart_backoff_ms", x.restart_backoff_ms, limits::backoff_ms);
  v.field("max_restart_backoff_ms", x.max_restart_backoff_ms,
          limits::backoff_ms);
  v.field("max_message_bytes", x.max_message_bytes, limits::message_bytes);
  v.field("stderr_bytes", x.stderr_bytes, limits::stderr_bytes);
  v.field("side_effect", x.side_effect);
  v.field("pure_tools", x.pure_tools, text_rule::non_empty);
  v.field("idempotent_tools", x.idempotent_tools, text_rule::non_empty);
  v.field("effectful_tools", x.effectful_tools, text_rule::non_empty);
  v.field("requests_per_minute", x.requests_per_minute,
          limits::requests_per_minute);
  v.table("retry", x.retry);
  v.table("breaker", x.breaker);
}

template <class V>
void describe(V& v, run_budget_settings& x) {
  v.field("tokens", x.tokens, limits::run_tokens);
  v.field("cost_micros", x.cost_micros, limits::cost_micros);
  v.field("wall_ms", x.wall_ms, limits::wall_ms);
}

template <class V>
void describe(V& v, fanout_settings& x) {
  v.field("max_depth", x.max_depth, limits::depth);
  v.field("max_children", x.max_children, limits::children);
  v.field("max_descendants", x.max_descendants, limits::descendants);
}

template <class V>
void describe(V& v, doom_loop_settings& x) {
  v.field("repeat_threshold", x.repeat_threshold, limits::repeats);
  v.field("window_calls", x.window_calls, limits::calls);
  v.field("unparseable_threshold", x.unparseable_threshold,
          limits::unparseable);
}

template <class V>
void describe(V& v, fallback_model_settings& x) {
  v.field("provider", x.provider, text_rule::non_empty);
  v.field("model", x.model, text_rule::any);
}

template <class V>
void describe(V& v, agent_settings& x) {
  v.field("provider", x.provider, text_rule::any);
  v.field("model", x.model, text_rule::any);
  v.table_array("fallback_models", x.fallback_models);
  v.field("instructions", x.instructions, text_rule::any);
  v.field("temperature", x.temperature, limits::temperature);
  v.field("max_completion_tokens", x.max_completion_tokens,
          limits::context_tokens_or_off);
  v.field("tools", x.tools, text_rule::any);
  v.field("max_concurrency", x.max_concurrency, limits::cap);
  v.field("max_iterations", x.max_iterations, limits::iterations);
  v.field("turn_timeout_ms", x.turn_timeout_ms, limits::turn_timeout_ms);
  v.field("context_token_budget", x.context_token_budget,
          limits::context_tokens);
  v.table("run_budget", x.run_budget);
  v.table("fanout", x.fanout);
  v.table("doom_loop", x.doom_loop);
  v.field("on_busy", x.on_busy);
}

template <class V>
void describe(V& v, session_settings& x) {
  v.field("idle_ttl_ms", x.idle_ttl_ms, limits::idle_ttl_ms);
  v.field("max_resident", x.max_resident, limits::resident);
  v.field("expire_after_ms", x.expire_after_ms, limits::retention_ms);
}

template <class V>
void describe(V& v, storage_settings& x) {
  v.field("retention_ms", x.retention_ms, limits::retention_ms);
  v.field("max_batch_entries", x.max_batch_entries, limits::batch_entries);
  v.field("sweep_interval_ms", x.sweep_interval_ms, limits::sweep_interval_ms);
}

template <class V>
void describe(V& v, settings& x) {
  v.table("node", x.node);
  v.table("cluster", x.cluster);
  v.table("metrics", x.metrics);
  v.table("api", x.api);
  v.table("admission", x.admission);
  v.table("governor", x.governor);
  v.named_tables("tiers", x.tiers);
  v.named_tables("tenants", x.tenants);
  v.table_array("priorities", x.priorities);
  v.named_tables("providers", x.providers);
  v.named_tables("tools", x.tools);
  v.named_tables("mcp_servers", x.mcp_servers);
  v.named_tables("agents", x.agents);
  v.table("sessions", x.sessions);
  v.table("storage", x.storage);
}

} // namespace warden::config::detail
