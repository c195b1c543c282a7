#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

// Names of enum values as written in the file, and "did you mean" lookups.
namespace warden::config::detail {

/// The file's names of an enum's values, indexed by the value.
template <class E>
struct enum_names;

template <>
struct enum_names<provider_kind> {
  static constexpr std::array<std::string_view, 2> values{"scripted", "openai"};
};

template <>
struct enum_names<tool_kind> {
  static constexpr std::array<std::string_view, 9> values{
      "echo",   "sleep",   "fail", "append_file", "spawn_agent",
      "native", "command", "http", "mcp"};
};

template <>
struct enum_names<side_effect_kind> {
  static constexpr std::array<std::string_view, 3> values{"pure", "idempotent",
                                                          "effectful"};
};

template <>
struct enum_names<error_class> {
  static constexpr std::array<std::string_view, 3> values{
      "transient", "timeout", "rate_limited"};
};

template <>
struct enum_names<scheduler_policy> {
  static constexpr std::array<std::string_view, 3> values{"auto", "sharing",
                                                          "stealing"};
};

template <>
struct enum_names<busy_policy> {
  static constexpr std::array<std::string_view, 3> values{"enqueue", "reject",
                                                          "interrupt"};
};

template <>
struct enum_names<breaker_window> {
  static constexpr std::array<std::string_view, 2> values{"count", "time"};
};

/// The file's name of `x`.
template <class E>
[[nodiscard]] std::string_view name_of(E x) noexcept {
  return enum_names<E>::values[static_cast<std::size_t>(x)];
}

/// The value named `text`, or nothing.
template <class E>
[[nodiscard]] std::optional<E> enum_from_name(std::string_view text) {
  const auto& values = enum_names<E>::values;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] == text)
      return static_cast<E>(i);
  return std::nullopt;
}

/// The names of E's values as a vector (for messages and suggestions).
template <class E>
[[nodiscard]] std::vector<std::string> all_names() {
  const auto& values = enum_names<E>::values;
  return {values.begin(), values.end()};
}

/// Edit distance between `x` and `y` (insertions, deletions, substitutions
/// and transpositions of neighbours).
[[nodiscard]] std::size_t edit_distance(std::string_view x, std::string_view y);

/// The candidate closest to `word` when it is close enough to be a likely
/// typo (at most a third of the word's length apart, and at most 3 edits);
/// empty otherwise.
[[nodiscard]] std::string closest(std::string_view word,
                                  const std::vector<std::string>& candidates);

/// "must be one of "a", "b"".
[[nodiscard]] std::string
must_be_one_of(const std::vector<std::string>& allowed);

/// "must be one of "a", "b"; got "c"" plus a suggestion when one is close.
[[nodiscard]] std::string not_one_of(std::string_view got,
                                     const std::vector<std::string>& allowed);

/// Renders a list of names for messages: `a`, `b`, `c` (or "none").
[[nodiscard]] std::string name_list(const std::vector<std::string>& names);

} // namespace warden::config::detail
