#pragma once

// The public way to add tools to a node: C++ callables registered by name.
// A configured tool of kind "native" must be registered under its name, else
// the node refuses to start (missing_native_tools).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "actors/dependencies/guard.hpp"
#include "config/dependencies.hpp"
#include "policies/retry_policy.hpp"

namespace warden {

/// What one call of a tool produced: output text or a failure.
struct tool_result {
  /// The output; empty when the call failed.
  std::optional<std::string> output;
  /// Why the call failed (when `output` is empty).
  attempt_failure failure;

  /// A successful result.
  static tool_result ok(std::string output) {
    return tool_result{std::move(output), {}};
  }

  /// A failed result of class `error`; `retry_after` for rate_limited.
  static tool_result
  fail(policies::error_class error, std::string reason,
       std::optional<policies::duration> retry_after = std::nullopt) {
    return tool_result{std::nullopt,
                       attempt_failure{error, std::move(reason), retry_after}};
  }
};

/// A tool's implementation: receives the arguments (JSON text as the model
/// wrote it, possibly invalid) and the call's idempotency key
/// ("run/step/index"; an effectful tool uses it to deduplicate its effects)
/// and returns the output or a failure. An exception becomes a permanent
/// failure. Blocking functions may run concurrently on several worker
/// threads and must be thread-safe.
using tool_function = std::function<tool_result(
    const std::string& arguments, const std::string& idempotency_key)>;

/// How a registered tool behaves.
struct tool_options {
  /// What a call does to the world. The stricter of this and the tool's
  /// configured side_effect governs retries. Default effectful.
  config::side_effect_kind side_effect = config::side_effect_kind::effectful;
  /// True when the function blocks (I/O, long computation): it then runs on
  /// a worker thread, never on a scheduler thread. Default false (runs
  /// inline in the tool runner, so it must return quickly).
  bool blocking = false;
  /// What the tool does, told to models that may call it. Default empty.
  std::string description{};
  /// The JSON schema of the tool's arguments, told to models (a JSON
  /// object as text). Default: an object with no declared properties.
  std::string parameters = R"({"type":"object","properties":{}})";
};

/// A tool as registered.
struct registered_tool {
  tool_options options;
  tool_function function;
};

/// Tools registered from C++, by name. Filled before the node starts and
/// read-only afterwards (then safe to read from any thread).
class tool_registry {
 public:
  /// Registers `function` under `name`. An invalid_argument error when the
  /// name is empty or taken, or the function is empty.
  [[nodiscard]] caf::error add(std::string name, tool_options options,
                               tool_function function);

  /// The tool registered under `name`, or null.
  [[nodiscard]] const registered_tool* find(const std::string& name) const;

  /// Registered names, sorted.
  [[nodiscard]] std::vector<std::string> names() const;

 private:
  std::map<std::string, registered_tool> tools_;
};

/// The configured tools of kind native that `registry` lacks, sorted.
std::vector<std::string>
missing_native_tools(const tool_registry& registry,
                     const std::map<std::string, config::tool_settings>& tools);

/// An invalid_argument error naming every configured native tool without a
/// registration, or no error when all are registered.
caf::error
check_native_tools(const tool_registry& registry,
                   const std::map<std::string, config::tool_settings>& tools);

/// The stricter of two side-effect classes (effectful > idempotent > pure).
config::side_effect_kind stricter(config::side_effect_kind a,
                                  config::side_effect_kind b) noexcept;

} // namespace warden
