#include "actors/dependencies/tool_backends.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

#include <caf/blocking_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/common/policy_configs.hpp"
#include "actors/dependencies/command_tool.hpp"
#include "actors/dependencies/http_tool.hpp"
#include "actors/protocol/error.hpp"

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

/// The line a call with `key` and `arguments` appends, newline included.
std::string append_line(const std::string& key, const std::string& arguments) {
  std::string line;
  line.reserve(key.size() + arguments.size() + 2);
  line += key;
  line += '\t';
  for (auto c : arguments) {
    if (c == '\n')
      line += "\\n";
    else if (c == '\r')
      line += "\\r";
    else
      line += c;
  }
  line += '\n';
  return line;
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

append_file_tool::~append_file_tool() {
  if (fd_ >= 0)
    ::close(fd_);
}

void append_file_tool::start(const tool_request& request,
                             const attempt_ticket& ticket) {
  auto fail = [&](const char* what, int error) {
    report_failure(ticket,
                   attempt_failure{policies::error_class::transient,
                                   std::string{"cannot "} + what + " '" +
                                       path_ + "': " + std::strerror(error),
                                   std::nullopt});
  };
  if (fd_ < 0) {
    fd_ =
        ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
      return fail("open", errno);
  }
  auto line = append_line(request.idempotency_key, request.arguments);
  auto written = ::write(fd_, line.data(), line.size());
  if (written < 0 || static_cast<std::size_t>(written) != line.size()) {
    // A short write (a full disk) leaves a partial line: say so, and start
    // afresh on the next call.
    auto error = written < 0 ? errno : EIO;
    ::close(fd_);
    fd_ = -1;
    return fail(written < 0 ? "append to" : "append a whole line to", error);
  }
  report_success(ticket, tool_reply{"appended", 0});
}

caf::expected<std::shared_ptr<tool_backend>>
make_tool_backend(caf::actor_system& sys, const std::string& name,
                  const config::tool_settings& settings,
                  const tool_registry& registry, blocking_executor executor,
                  const tool_services& services) {
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
  case config::tool_kind::append_file:
    return result{std::make_shared<append_file_tool>(settings.path)};
  case config::tool_kind::spawn_agent:
    return make_error(error_code::invalid_argument,
                      "tool '" + name +
                          "' spawns agents: the session routes its calls to "
                          "the node, not to a tool runner");
  case config::tool_kind::command:
    if (!services.processes)
      return make_error(error_code::invalid_argument,
                        "command tool '" + name +
                            "' needs the node's process service");
    return result{std::make_shared<command_tool>(settings, services.processes,
                                                 services.process_metrics)};
  case config::tool_kind::http:
    if (!services.http)
      return make_error(error_code::invalid_argument,
                        "http tool '" + name +
                            "' needs the node's HTTP client");
    return make_http_tool(name, settings, services.http);
  case config::tool_kind::mcp:
    return make_error(error_code::invalid_argument,
                      "tool '" + name +
                          "' is an MCP server's: the node makes its backend "
                          "from the server's actor");
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
