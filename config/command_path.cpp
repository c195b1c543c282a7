#include "config/command_path.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace warden::config {

namespace {

/// Why `path` cannot be executed; empty when it can.
std::string cannot_execute(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return std::strerror(errno);
  if (!S_ISREG(info.st_mode))
    return "not a regular file";
  if (::access(path.c_str(), X_OK) != 0)
    return "not executable: " + std::string{std::strerror(errno)};
  return {};
}

} // namespace

std::string search_path_of_process() {
  if (const char* path = std::getenv("PATH"); path != nullptr && *path != 0)
    return path;
  auto size = ::confstr(_CS_PATH, nullptr, 0);
  std::string result(size, '\0');
  if (size > 0)
    ::confstr(_CS_PATH, result.data(), size);
  while (!result.empty() && result.back() == '\0')
    result.pop_back();
  return result;
}

resolved_command resolve_command(const std::string& command,
                                 const std::string& search_path) {
  if (command.empty())
    return {{}, "is empty"};
  if (command.find('/') != std::string::npos) {
    std::error_code failure;
    auto absolute = std::filesystem::absolute(command, failure).string();
    if (failure)
      return {{}, "cannot be made absolute: " + failure.message()};
    if (auto why = cannot_execute(absolute); !why.empty())
      return {{}, "cannot be executed (" + absolute + ": " + why + ")"};
    return {absolute, {}};
  }
  std::string::size_type begin = 0;
  while (begin <= search_path.size()) {
    auto end = search_path.find(':', begin);
    if (end == std::string::npos)
      end = search_path.size();
    // An empty entry means the working directory, as for execvp.
    auto directory = search_path.substr(begin, end - begin);
    auto candidate =
        (directory.empty() ? std::string{"."} : directory) + "/" + command;
    if (cannot_execute(candidate).empty()) {
      std::error_code failure;
      auto absolute = std::filesystem::absolute(candidate, failure);
      if (!failure)
        return {absolute.lexically_normal().string(), {}};
    }
    begin = end + 1;
  }
  return {{},
          "names no executable on PATH (" + search_path +
              "): give an absolute path or install it"};
}

void resolve_commands(settings& value) {
  auto search_path = search_path_of_process();
  for (auto& [name, tool] : value.tools) {
    if (tool.kind != tool_kind::command || tool.command.empty())
      continue;
    auto resolved = resolve_command(tool.command, search_path);
    if (resolved.problem.empty())
      tool.command = std::move(resolved.path);
  }
  for (auto& [name, server] : value.mcp_servers) {
    if (server.command.empty())
      continue;
    auto resolved = resolve_command(server.command, search_path);
    if (resolved.problem.empty())
      server.command = std::move(resolved.path);
  }
}

} // namespace warden::config
