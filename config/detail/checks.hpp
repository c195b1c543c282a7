#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/settings.hpp"

// The value rules of the schema, shared by the TOML reader (which refuses a
// value that breaks them) and by validate() (which checks settings built in
// C++). Each check returns an empty string when the value is allowed, or a
// sentence saying what is allowed and what was found.
namespace warden::config::detail {

/// A closed range of integers.
struct int_range {
  std::int64_t min;
  std::int64_t max;
};

/// A range of reals, [min, max] or (min, max].
struct real_range {
  double min;
  double max;
  bool min_open = false;
};

/// What a string value must look like.
enum class text_rule {
  any,       ///< anything, the empty string included
  non_empty, ///< at least one character
  name,      ///< 1 to 64 characters of [A-Za-z0-9_-]
  env_var,   ///< empty, or an environment variable name: [A-Za-z_][A-Za-z0-9_]*
  url,       ///< empty, or an http:// or https:// URL with a host
  header_name,  ///< an HTTP header name: 1 to 128 token characters (RFC 9110)
  header_value, ///< an HTTP header value: visible ASCII, spaces and tabs
  sha256,  ///< empty (a rule requires it), or a SHA-256 digest: 64 hex digits
  os_text, ///< anything but a NUL character (handed to the operating system)
};

/// Which ports an endpoint may have.
enum class port_rule {
  any,        ///< [0, 65535]; 0 asks the OS for an ephemeral port (listeners)
  non_zero,   ///< [1, 65535] (addresses to connect to)
  any_or_off, ///< like `any`, or "" for a listener turned off
};

[[nodiscard]] std::string check(std::int64_t x, int_range allowed);

[[nodiscard]] std::string check(double x, real_range allowed);

[[nodiscard]] std::string check(const std::string& x, text_rule rule);

[[nodiscard]] std::string check(const endpoint& x, port_rule rule);

/// Checks the name of an environment variable a child receives: not empty,
/// [A-Za-z_][A-Za-z0-9_]*.
[[nodiscard]] std::string check_env_name(const std::string& x);

/// Checks a key of a table of strings (env, headers) by `rule`; an empty
/// key never passes.
[[nodiscard]] std::string check_table_key(const std::string& x, text_rule rule);

/// Parses "host:port" or "[v6-address]:port"; nothing when malformed.
[[nodiscard]] std::optional<endpoint> parse_endpoint(std::string_view text);

/// The message for a string that is not an endpoint.
[[nodiscard]] std::string bad_endpoint(std::string_view text, port_rule rule);

/// Renders `x` as a TOML string literal for messages ("\"abc\"").
[[nodiscard]] std::string quoted(std::string_view x);

/// Renders a table name as a path component: bare when it is a valid bare
/// key, quoted otherwise.
[[nodiscard]] std::string path_component(std::string_view name);

/// Joins `prefix` and `key` with a dot (just `key` when prefix is empty).
[[nodiscard]] std::string join(const std::string& prefix, std::string_view key);

} // namespace warden::config::detail
