#pragma once

// The names models call MCP tools by. OpenAI function names (and most
// other providers') allow [A-Za-z0-9_-] only, at most 64 characters, and
// one agent may list the tools of several servers, whose tools may share
// names. So a tool is exposed as "<server>__<tool>": as it is when that
// fits, else in a form that is cut and made unique by a hash of the
// original names, the same on every start.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warden::mcp {

/// Longest function name models accept.
inline constexpr std::size_t max_function_name = 64;

/// The name of `server`'s tool `tool`: "<server>__<tool>" when every
/// character is in [A-Za-z0-9_-] and it is at most 64 characters long;
/// otherwise each other character becomes '_', the name is cut to 55
/// characters, and '_' and 8 hex digits of a hash of "<server>/<tool>"
/// follow. A name that had to change thus never equals one that did not
/// (unless a tool's own name ends in such a hash), and a name does not
/// depend on the order in which a server lists its tools.
[[nodiscard]] std::string function_name(std::string_view server,
                                        std::string_view tool);

/// The names of a server's tools, checked for clashes.
struct named_tools {
  /// (exposed name, the server's name), in the server's order.
  std::vector<std::pair<std::string, std::string>> names;
  /// Tools left out because their exposed name was taken (by an earlier
  /// one in the server's order), each with the name it clashed on.
  std::vector<std::pair<std::string, std::string>> clashes;
};

/// Names every tool of `server` with function_name().
[[nodiscard]] named_tools name_tools(std::string_view server,
                                     const std::vector<std::string>& tools);

} // namespace warden::mcp
