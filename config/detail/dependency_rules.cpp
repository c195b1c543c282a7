#include <algorithm>

#include "config/detail/checks.hpp"
#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"

namespace warden::config::detail {

namespace {

std::string kind_name(const char* kind) {
  return "kind = " + quoted(kind);
}

} // namespace

void check_retry(rule_context& context, const std::string& prefix,
                 const retry_settings& retry) {
  auto key = [&](const char* name) { return prefix + ".retry." + name; };
  if (retry.initial_backoff_ms > retry.max_backoff_ms &&
      context.usable({key("max_backoff_ms")}))
    context.report(key("initial_backoff_ms"),
                   "must be at most max_backoff_ms (" +
                       std::to_string(retry.max_backoff_ms) + "), got " +
                       std::to_string(retry.initial_backoff_ms));
  if (retry.max_elapsed_ms != 0 &&
      retry.max_elapsed_ms < retry.initial_backoff_ms &&
      context.usable({key("initial_backoff_ms")}))
    context.report(key("max_elapsed_ms"),
                   "must be 0 (no limit) or at least initial_backoff_ms (" +
                       std::to_string(retry.initial_backoff_ms) + "), got " +
                       std::to_string(retry.max_elapsed_ms) +
                       ": no retry could ever start");
  for (std::size_t i = 0; i < retry.retry_on.size(); ++i) {
    auto first = std::find(retry.retry_on.begin(), retry.retry_on.end(),
                           retry.retry_on[i]);
    if (first != retry.retry_on.begin() + static_cast<std::ptrdiff_t>(i))
      context.report(key("retry_on") + '[' + std::to_string(i) + ']',
                     "duplicate error class " +
                         quoted(name_of(retry.retry_on[i])));
  }
  if (retry.retry_on.empty() && retry.max_attempts > 1 &&
      context.usable({key("max_attempts")}))
    context.report(key("retry_on"),
                   "is empty, so nothing is retried although max_attempts is " +
                       std::to_string(retry.max_attempts) +
                       "; name error classes or set max_attempts = 1");
}

void check_breaker(rule_context& context, const std::string& prefix,
                   const breaker_settings& breaker, std::uint32_t timeout_ms) {
  auto key = [&](const char* name) { return prefix + ".breaker." + name; };
  if (!context.usable({key("window")})) {
    // The window kind was rejected: rules that depend on it would guess.
  } else if (breaker.window == breaker_window::count) {
    if (breaker.minimum_calls > breaker.window_size &&
        context.usable({key("window_size")}))
      context.report(key("minimum_calls"),
                     "must be at most window_size (" +
                         std::to_string(breaker.window_size) +
                         ") for a count window, got " +
                         std::to_string(breaker.minimum_calls));
    if (context.present(key("window_ms")))
      context.report(key("window_ms"),
                     "only applies to window = \"time\"; this breaker counts "
                     "calls (use window_size)");
  } else if (context.present(key("window_size"))) {
    context.report(key("window_size"),
                   "only applies to window = \"count\"; this breaker uses "
                   "window = \"time\" (use window_ms)");
  }
  // Only when set: the default must not clash with a short timeout.
  if (breaker.slow_call_ms > timeout_ms &&
      context.present(key("slow_call_ms")) &&
      context.usable({prefix + ".timeout_ms"}))
    context.report(key("slow_call_ms"),
                   "must be at most timeout_ms (" + std::to_string(timeout_ms) +
                       "), got " + std::to_string(breaker.slow_call_ms) +
                       ": a call that slow has already timed out");
}

void check_tool_guard(rule_context& context, const std::string& prefix,
                      const retry_settings& retry,
                      const breaker_settings& breaker,
                      std::uint32_t timeout_ms) {
  check_retry(context, prefix, retry);
  check_breaker(context, prefix, breaker, timeout_ms);
  if (context.present(prefix + ".breaker.slow_first_token_ms"))
    context.report(prefix + ".breaker.slow_first_token_ms",
                   "only applies to providers: a tool has no first token");
}

namespace {

void check_provider(rule_context& context, const std::string& prefix,
                    const provider_settings& provider) {
  if (!context.usable({prefix + ".kind"})) {
    // The kind was rejected: rules that depend on it would only guess.
  } else if (provider.kind == provider_kind::openai) {
    if (provider.endpoint.empty() && provider.endpoint_env.empty())
      context.report(prefix + ".endpoint",
                     "is required for kind = \"openai\" (or endpoint_env): "
                     "an http:// or https:// URL");
    if (!provider.script.empty())
      context.report(prefix + ".script",
                     "only applies to kind = \"scripted\", not " +
                         kind_name("openai"));
  } else {
    for (const char* key :
         {"endpoint", "endpoint_env", "api_key_env", "api_key_header",
          "headers", "tls_verify", "ca_file", "stream", "max_connections"})
      if (context.present(prefix + "." + key))
        context.report(prefix + "." + key,
                       "only applies to kind = \"openai\", not " +
                           kind_name("scripted"));
  }
  for (std::size_t i = 0; i < provider.models.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (provider.models[i].name == provider.models[j].name)
        context.report(prefix + ".models[" + std::to_string(i) + "].name",
                       "names model " + quoted(provider.models[i].name) +
                           " again (first at models[" + std::to_string(j) +
                           "])");
  check_retry(context, prefix, provider.retry);
  check_breaker(context, prefix, provider.breaker, provider.timeout_ms);
  if (provider.breaker.slow_first_token_ms > provider.timeout_ms &&
      context.usable({prefix + ".timeout_ms"}))
    context.report(prefix + ".breaker.slow_first_token_ms",
                   "must be at most timeout_ms (" +
                       std::to_string(provider.timeout_ms) + "), got " +
                       std::to_string(provider.breaker.slow_first_token_ms) +
                       ": a first token that slow comes after the timeout");
}

void check_tool(rule_context& context, const std::string& prefix,
                const tool_settings& tool) {
  const auto& value = context.value();
  auto kind = std::string{name_of(tool.kind)};
  // Keys of one kind set on a tool of another kind are mistakes.
  auto only_for = [&](const char* key, tool_kind owner) {
    if (tool.kind != owner)
      refuse_keys_of(context, prefix, {key}, "kind = " + quoted(name_of(owner)),
                     tool.kind);
  };
  bool kind_known = context.usable({prefix + ".kind"});
  if (kind_known) {
    only_for("duration_ms", tool_kind::sleep);
    only_for("times", tool_kind::fail);
    only_for("error", tool_kind::fail);
    only_for("path", tool_kind::append_file);
    check_command_tool(context, prefix, tool);
    check_http_tool(context, prefix, tool);
    if (tool.kind == tool_kind::mcp)
      context.report(prefix + ".kind",
                     "\"mcp\" is the kind of the tools the node finds on "
                     "an MCP server; configure the server under "
                     "[mcp_servers.<name>] and list its tools in an agent as "
                     "\"<name>__<tool>\" or \"<name>__*\"");
  }
  if (!kind_known) {
    // The kind was rejected: rules that depend on it would only guess.
  } else if (tool.kind == tool_kind::spawn_agent) {
    if (tool.agent.empty())
      context.report(prefix + ".agent",
                     "is required for kind = \"spawn_agent\": the agent to "
                     "spawn; defined: " +
                         name_list(names_of(value.agents)));
    else if (value.agents.count(tool.agent) == 0)
      context.report_undefined(prefix + ".agent", tool.agent, "agent",
                               names_of(value.agents));
  } else if (!tool.agent.empty()) {
    context.report(prefix + ".agent", "only applies to kind = "
                                      "\"spawn_agent\", not " +
                                          kind_name(kind.c_str()));
  }
  if (kind_known && tool.kind == tool_kind::append_file && tool.path.empty())
    context.report_missing(prefix + ".path", prefix + ".kind",
                           "is required for kind = \"append_file\": the file "
                           "each call appends a line to");
  if (tool.side_effect == side_effect_kind::effectful &&
      tool.retry.max_attempts > 1 && context.usable({prefix + ".side_effect"}))
    context.report(prefix + ".retry.max_attempts",
                   "must be 1 for an effectful tool (a retry would repeat "
                   "its effect), got " +
                       std::to_string(tool.retry.max_attempts) +
                       "; declare side_effect = \"idempotent\" if repeating a "
                       "call is safe");
  check_tool_guard(context, prefix, tool.retry, tool.breaker, tool.timeout_ms);
}

} // namespace

void refuse_keys_of(rule_context& context, const std::string& prefix,
                    std::initializer_list<const char*> keys,
                    const std::string& owners, tool_kind kind) {
  for (const char* key : keys)
    if (context.present(prefix + "." + key))
      context.report(prefix + "." + key, "only applies to " + owners +
                                             ", not " +
                                             kind_name(name_of(kind).data()));
}

void check_dependency_rules(rule_context& context) {
  for (const auto& [name, provider] : context.value().providers)
    check_provider(context, entry_path("providers", name), provider);
  for (const auto& [name, tool] : context.value().tools)
    check_tool(context, entry_path("tools", name), tool);
  check_mcp_rules(context);
}

} // namespace warden::config::detail
