#pragma once

// JSON-RPC 2.0 as MCP's stdio transport carries it: one message per line
// of the child's stdin and stdout (UTF-8, no embedded newline), no batches.
// Framing, classifying what a server sends, and writing what a client
// sends. Pure functions; the process that carries the lines is elsewhere.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace warden::mcp {

using json = nlohmann::json;

/// JSON-RPC's "method not found": the answer to a request from the server
/// that Warden does not serve (sampling, roots, elicitation).
inline constexpr std::int64_t method_not_found = -32601;

/// Splits a byte stream into lines. A line longer than its bound breaks
/// the stream: its framing is lost, and the caller ends the session.
class line_reader {
 public:
  /// Lines of at most `max_line` bytes (without the newline).
  explicit line_reader(std::size_t max_line) : max_line_(max_line) {}

  /// Adds `bytes` and calls `on_line` with each line they complete,
  /// without its "\n" (or "\r\n"); blank lines are skipped. Returns false
  /// once a line is over the bound (and from then on).
  bool feed(std::string_view bytes,
            const std::function<void(std::string_view)>& on_line);

  /// Bytes of an unfinished line.
  [[nodiscard]] std::size_t pending() const noexcept { return partial_.size(); }

  /// Whether a line went over the bound.
  [[nodiscard]] bool broken() const noexcept { return broken_; }

 private:
  std::size_t max_line_;
  std::string partial_;
  bool broken_ = false;
};

/// A JSON-RPC error object.
struct rpc_error {
  std::int64_t code = 0;
  std::string message;
};

/// The answer to one of the client's requests.
struct response {
  /// As sent; Warden's requests carry numbers.
  json id;
  /// Exactly one of result and error is set.
  std::optional<json> result;
  std::optional<rpc_error> error;
};

/// A request from the server (it expects an answer).
struct request {
  json id;
  std::string method;
  json params;
};

/// A notification from the server (no answer).
struct notification {
  std::string method;
  json params;
};

/// A line that is no JSON-RPC 2.0 message, and why.
struct malformed {
  std::string why;
};

using message = std::variant<response, request, notification, malformed>;

/// What `line` holds.
[[nodiscard]] message parse_message(std::string_view line);

/// The numeric id of `r`, if it has one that fits (Warden's requests).
[[nodiscard]] std::optional<std::uint64_t> numeric_id(const response& r);

/// A request line ("\n" included); `params` left out when null.
[[nodiscard]] std::string
request_text(std::uint64_t id, std::string_view method, const json& params);

/// A notification line; `params` left out when null.
[[nodiscard]] std::string notification_text(std::string_view method,
                                            const json& params);

/// The line answering the server's request `id` with `result`.
[[nodiscard]] std::string result_text(const json& id, const json& result);

/// The line answering the server's request `id` with an error.
[[nodiscard]] std::string error_text(const json& id, std::int64_t code,
                                     std::string_view text);

} // namespace warden::mcp
