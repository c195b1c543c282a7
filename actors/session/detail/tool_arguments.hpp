#pragma once

// Canonical form of the JSON argument payloads models write for tool calls,
// so that the doom-loop detector sees {"a":1,"b":2} and { "b": 2, "a": 1 } as
// the same call.

#include <string>
#include <string_view>

namespace warden::detail {

/// A tool call's arguments after normalization.
struct normalized_arguments {
  /// Whether the payload parsed as JSON.
  bool ok = false;
  /// ok: the canonical JSON (compact, object keys sorted); otherwise the
  /// parser's message.
  std::string text;
};

/// How deep arrays and objects may nest in a tool call's arguments; deeper
/// payloads do not parse (the canonical form is written recursively).
inline constexpr int max_argument_depth = 256;

/// Parses `payload` as JSON and dumps it in canonical form; an empty payload
/// counts as `{}`, one nested deeper than `max_argument_depth` does not
/// parse. Never throws.
[[nodiscard]] normalized_arguments
normalize_arguments(std::string_view payload);

} // namespace warden::detail
