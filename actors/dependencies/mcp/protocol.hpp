#pragma once

// What an MCP client says and reads for tools (MCP 2025-06-18, and the two
// versions before it): the initialize handshake, pages of tools/list,
// tools/call and its result, and cancelling a call. Each reader checks the
// shape it relies on and says what is wrong; nothing here throws.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace warden::mcp {

using json = nlohmann::json;

/// The protocol versions Warden speaks, newest first; it asks for the
/// first and accepts any of them in the server's answer.
inline constexpr std::array<std::string_view, 3> protocol_versions{
    "2025-06-18", "2025-03-26", "2024-11-05"};

/// A value read from a server's answer, or why it could not be.
template <class T>
struct checked {
  std::optional<T> value;
  std::string problem;

  explicit operator bool() const noexcept { return value.has_value(); }
};

/// The `initialize` request's params: the newest protocol version, no
/// client capabilities (Warden offers no roots, sampling or elicitation),
/// and `client_version` as Warden's version.
[[nodiscard]] json initialize_params(std::string_view client_version);

/// What a server said about itself in its answer to `initialize`.
struct server_info {
  /// One of protocol_versions.
  std::string protocol_version;
  /// serverInfo.name and .version, for logs; may be empty.
  std::string name;
  std::string version;
  /// The server offers tools at all.
  bool tools = false;
  /// It sends notifications/tools/list_changed.
  bool tools_list_changed = false;
};

/// Reads the answer to `initialize`; a protocol version Warden does not
/// speak is a problem that names both sides' versions.
[[nodiscard]] checked<server_info> read_initialize(const json& result);

/// The params of `tools/list`: the page after `cursor`, or the first.
[[nodiscard]] json list_tools_params(const std::optional<std::string>& cursor);

/// One tool as a server lists it.
struct tool_info {
  /// The server's name for it (what tools/call takes).
  std::string name;
  std::string description;
  /// JSON Schema of its arguments: an object schema ("type": "object").
  json input_schema;
};

/// One page of tools/list.
struct tools_page {
  std::vector<tool_info> tools;
  /// Tools left out, each with why (no name, no object schema).
  std::vector<std::pair<std::string, std::string>> skipped;
  /// The cursor of the next page; none on the last.
  std::optional<std::string> next_cursor;
};

/// Reads a page of tools/list.
[[nodiscard]] checked<tools_page> read_tools_page(const json& result);

/// The params of `tools/call`.
[[nodiscard]] json call_tool_params(std::string_view name,
                                    const json& arguments);

/// What a tools/call answered.
struct call_result {
  /// The text of its content blocks, one block per line; blocks that are
  /// not text are named ("[image image/png, 5120 bytes]"), not included.
  std::string text;
  /// structuredContent, when the tool gave one.
  std::optional<json> structured;
  /// The tool reported an error (isError): a failed call, not a broken
  /// server.
  bool is_error = false;
};

/// Reads a tools/call result.
[[nodiscard]] checked<call_result> read_call_result(const json& result);

/// The params of `notifications/cancelled` for request `id`.
[[nodiscard]] json cancelled_params(std::uint64_t id, std::string_view reason);

} // namespace warden::mcp
