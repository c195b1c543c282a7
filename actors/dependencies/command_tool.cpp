#include "actors/dependencies/command_tool.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace warden {

namespace {

/// The variables a child takes from this process unless its tool sets them.
constexpr const char* inherited[] = {"PATH", "HOME", "LANG"};

std::string milliseconds_text(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

/// ", stderr: <tail>" when the child wrote to stderr (its last line break
/// left out).
std::string stderr_note(std::string tail) {
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r'))
    tail.pop_back();
  return tail.empty() ? std::string{} : ", stderr: " + tail;
}

} // namespace

std::vector<std::string>
child_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> result;
  for (const char* name : inherited)
    if (env.count(name) == 0)
      if (const char* value = std::getenv(name); value != nullptr)
        result.push_back(std::string{name} + "=" + value);
  for (const auto& [name, value] : env)
    result.push_back(name + "=" + value);
  return result;
}

std::optional<attempt_failure>
command_failure(const process::process_result& result,
                std::chrono::milliseconds timeout, std::size_t output_cap) {
  using policies::error_class;
  // The runner's guard puts the tool's name in front.
  auto failure = [](error_class error, std::string what) {
    return attempt_failure{error, std::move(what), std::nullopt};
  };
  switch (result.end) {
  case process::process_end::exited:
    if (result.exit_code == 0)
      return std::nullopt;
    return failure(error_class::permanent,
                   "the process exited with code " +
                       std::to_string(result.exit_code) +
                       stderr_note(result.error_tail));
  case process::process_end::signalled:
    return failure(error_class::transient,
                   "the process was ended by signal " +
                       std::to_string(result.signal) + " (" +
                       ::strsignal(result.signal) + ")" +
                       stderr_note(result.error_tail));
  case process::process_end::not_started:
    return failure(error_class::transient,
                   "the process could not start: " + result.problem);
  case process::process_end::killed:
    break;
  }
  switch (result.reason.value_or(process::kill_reason::cancelled)) {
  case process::kill_reason::timeout:
    return failure(error_class::timeout, "no answer within " +
                                             milliseconds_text(timeout) +
                                             "; its process group was killed");
  case process::kill_reason::output_cap:
    return failure(error_class::permanent,
                   "more than " + std::to_string(output_cap) +
                       " bytes on stdout (max_output_bytes); its process "
                       "group was killed");
  case process::kill_reason::shutdown:
    return failure(error_class::cancelled,
                   "the process was stopped: the node is stopping");
  case process::kill_reason::cancelled:
  case process::kill_reason::idle: // long-lived children only
  case process::kill_reason::unresponsive:
  case process::kill_reason::protocol:
    break;
  }
  return failure(error_class::cancelled,
                 "the process was stopped: its call was abandoned");
}

command_tool::command_tool(const config::tool_settings& settings,
                           std::shared_ptr<process::process_service> service,
                           process::process_metrics metrics)
    : service_(std::move(service)),
      running_(std::make_shared<attempt_table>()) {
  prototype_.launch.path = settings.command;
  prototype_.launch.args = settings.args;
  prototype_.launch.environment = child_environment(settings.env);
  prototype_.launch.cwd = settings.cwd;
  prototype_.max_output_bytes = settings.max_output_bytes;
  prototype_.timeout = std::chrono::milliseconds{settings.timeout_ms};
  prototype_.kill_grace = std::chrono::milliseconds{settings.kill_grace_ms};
  prototype_.metrics = metrics;
}

void command_tool::start(const tool_request& request,
                         const attempt_ticket& ticket) {
  auto call = prototype_;
  call.input = request.arguments;
  auto key = std::make_pair(ticket.call, ticket.attempt);
  auto done =
      [ticket, key, table = running_, timeout = prototype_.timeout,
       cap = prototype_.max_output_bytes](process::process_result result) {
        {
          std::lock_guard<std::mutex> guard{table->lock};
          table->entries.erase(key);
        }
        if (auto failure = command_failure(result, timeout, cap))
          report_failure(ticket, std::move(*failure));
        else
          report_success(ticket, tool_reply{std::move(result.output), 0});
      };
  // Registered before the call can end, so that its completion finds it;
  // not under the lock while run() may complete it inline (service stopped).
  {
    std::lock_guard<std::mutex> guard{running_->lock};
    running_->entries[key].started = std::chrono::steady_clock::now();
  }
  auto process = service_->run(std::move(call), std::move(done));
  std::lock_guard<std::mutex> guard{running_->lock};
  if (auto i = running_->entries.find(key); i != running_->entries.end())
    i->second.process = process;
}

void command_tool::abandon(const attempt_ticket& ticket) {
  std::lock_guard<std::mutex> guard{running_->lock};
  auto i = running_->entries.find(std::make_pair(ticket.call, ticket.attempt));
  if (i == running_->entries.end())
    return;
  // The runner's own timer often fires first: say why the child goes.
  auto elapsed = std::chrono::steady_clock::now() - i->second.started;
  service_->cancel(i->second.process, elapsed >= prototype_.timeout
                                          ? process::kill_reason::timeout
                                          : process::kill_reason::cancelled);
  running_->entries.erase(i);
}

} // namespace warden
