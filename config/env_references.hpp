#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::config {

/// Looks up an environment variable: its value, or null when it is unset.
using env_lookup = std::function<const char*(const std::string& name)>;

/// wardend's own environment (std::getenv). Thread-safe as long as nothing
/// sets variables meanwhile.
[[nodiscard]] env_lookup process_environment();

/// A text whose `${NAME}` references were replaced by what the variables
/// hold.
struct expanded_text {
  /// The text with every reference replaced; empty when `problem` is set.
  std::string text;
  /// What was put in, one entry per reference, in order: secrets, never to
  /// be logged or shown.
  std::vector<std::string> values;
  /// Why the text cannot be expanded, as a sentence that names the variable
  /// and never a value; empty on success.
  std::string problem;
};

/// Replaces each `${NAME}` in `text` by the value of the environment
/// variable NAME ([A-Za-z_][A-Za-z0-9_]*). A `$` not followed by `{` stays
/// as it is. A `${` without its `}`, a NAME that is not a variable name,
/// and a variable that is unset or empty are problems (an empty secret is
/// a mistake, as for providers' api_key_env).
[[nodiscard]] expanded_text expand_env_references(std::string_view text,
                                                  const env_lookup& lookup);

} // namespace warden::config
