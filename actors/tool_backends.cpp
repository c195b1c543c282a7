#include "actors/tool_backends.hpp"

#include <chrono>
#include <exception>
#include <utility>

#include <caf/blocking_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/error.hpp"
#include "actors/policy_configs.hpp"

namespace warden {

namespace {

/// Runs `function` and turns its result or exception into a report.
void run_and_report(const tool_function& function, const tool_request& request,
                    const attempt_ticket& ticket) {
  tool_result result;
  try {
    result = function(request.arguments, request.idempotency_key);
  } catch (const std::exception& e) {
    result = tool_result::fail(policies::error_class::permanent,
                               std::string{"tool threw: "} + e.what());
  } catch (...) {
    result = tool_result::fail(policies::error_class::permanent,
                               "tool threw a non-standard exception");
  }
  if (result.output)
    report_success(ticket, tool_reply{std::move(*result.output), 0});
  else
    report_failure(ticket, std::move(result.failure));
}

} // namespace

blocking_executor detached_executor(caf::actor_system& sys) {
  return [&sys](std::function<void()> job) {
    // A blocking actor always runs on a thread of its own.
    sys.spawn([job = std::move(job)](caf::blocking_actor*) { job(); });
  };
}

callable_tool::callable_tool(tool_function function, bool blocking,
                             blocking_executor executor)
    : function_(std::move(function)),
      blocking_(blocking),
      executor_(std::move(executor)) {}

void callable_tool::start(const tool_request& request,
                          const attempt_ticket& ticket) {
  if (!blocking_ || !executor_) {
    run_and_report(function_, request, ticket);
    return;
  }
  executor_([function = function_, request, ticket] {
    run_and_report(function, request, ticket);
  });
}

tool_function echo_function() {
  return [](const std::string& arguments, const std::string&) {
    auto json = nlohmann::json::parse(arguments, nullptr, false);
    if (json.is_object()) {
      auto text = json.find("text");
      if (text != json.end() && text->is_string())
        return tool_result::ok(text->get<std::string>());
    }
    return tool_result::ok(arguments);
  };
}

void sleep_tool::start(const tool_request&, const attempt_ticket& ticket) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration_);
  report_success(ticket,
                 tool_reply{"slept " + std::to_string(ms.count()) + " ms", 0},
                 duration_);
}

void fail_tool::start(const tool_request&, const attempt_ticket& ticket) {
  ++calls_;
  if (times_ == 0 || calls_ <= times_) {
    report_failure(ticket,
                   attempt_failure{error_,
                                   "scripted failure " + std::to_string(calls_),
                                   std::nullopt});
    return;
  }
  report_success(
      ticket,
      tool_reply{"ok after " + std::to_string(times_) + " failures", 0});
}

caf::expected<std::shared_ptr<tool_backend>>
make_tool_backend(caf::actor_system& sys, const std::string& name,
                  const config::tool_settings& settings,
                  const tool_registry& registry, blocking_executor executor) {
  using result = std::shared_ptr<tool_backend>;
  switch (settings.kind) {
  case config::tool_kind::echo:
    return result{std::make_shared<callable_tool>(echo_function(), false)};
  case config::tool_kind::sleep:
    return result{std::make_shared<sleep_tool>(
        std::chrono::milliseconds{settings.duration_ms})};
  case config::tool_kind::fail:
    return result{std::make_shared<fail_tool>(settings.times,
                                              to_policy_class(settings.error))};
  case config::tool_kind::spawn_agent:
    return make_error(error_code::invalid_argument,
                      "tool '" + name +
                          "' spawns agents: the session routes its calls to "
                          "the node, not to a tool runner");
  case config::tool_kind::native:
    break;
  }
  const auto* tool = registry.find(name);
  if (tool == nullptr)
    return make_error(error_code::invalid_argument,
                      "native tool '" + name +
                          "' is configured but not registered");
  if (tool->options.blocking && !executor)
    executor = detached_executor(sys);
  return result{std::make_shared<callable_tool>(
      tool->function, tool->options.blocking, std::move(executor))};
}

} // namespace warden
