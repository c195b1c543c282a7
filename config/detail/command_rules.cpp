#include <filesystem>

#include "config/command_path.hpp"
#include "config/detail/checks.hpp"
#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"

namespace warden::config::detail {

void check_command_tool(rule_context& context, const std::string& prefix,
                        const tool_settings& tool) {
  auto key = [&](const char* name) { return prefix + "." + name; };
  if (tool.kind != tool_kind::command) {
    refuse_keys_of(context, prefix,
                   {"command", "args", "env", "cwd", "kill_grace_ms"},
                   "kind = \"command\"", tool.kind);
    // The cap of what a call answers: a process's stdout, or a body.
    if (tool.kind != tool_kind::http)
      refuse_keys_of(context, prefix, {"max_output_bytes"},
                     "kind = \"command\" or \"http\"", tool.kind);
    return;
  }
  if (tool.command.empty())
    context.report_missing(key("command"), key("kind"),
                           "is required for kind = \"command\": the "
                           "executable each call runs (a path, or a name "
                           "looked up on PATH)");
  check_executable(context, prefix, tool.command, tool.cwd);
}

void check_executable(rule_context& context, const std::string& prefix,
                      const std::string& command, const std::string& cwd) {
  auto key = [&](const char* name) { return prefix + "." + name; };
  if (!command.empty() && context.usable({key("command")})) {
    // Resolved again here (load already did) so that settings built in C++
    // are held to the same rule; an absolute path resolves to itself.
    auto resolved = resolve_command(command, search_path_of_process());
    if (!resolved.problem.empty())
      context.report(key("command"),
                     detail::quoted(command) + " " + resolved.problem);
  }
  if (!cwd.empty() && context.usable({key("cwd")})) {
    std::error_code failure;
    if (!std::filesystem::is_directory(cwd, failure))
      context.report(key("cwd"), detail::quoted(cwd) +
                                     " is not a directory: the child could "
                                     "not start there");
  }
}

} // namespace warden::config::detail
