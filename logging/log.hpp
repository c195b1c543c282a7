#pragma once

// The operator's log: one line per event on standard error (journald keeps
// it under systemd), never on the data disk. Warden's components write what
// an operator needs to act on (storage failures with their paths, damaged
// files, recoveries); what a tenant sees is a separate, shorter sentence.

#include <functional>
#include <string>
#include <string_view>

namespace warden::logging {

/// How much an event matters.
enum class level { debug, info, warning, error };

/// The stable lower-case name of `x`.
const char* to_string(level x) noexcept;

/// Receives every line written at or above the threshold. Called under the
/// log's lock: a sink must not write to the log itself.
using sink = std::function<void(level, std::string_view component,
                                std::string_view message)>;

/// Writes one event of `component` (e.g. "storage", "journal"). Thread-safe.
/// The default sink prints `<UTC time> <level> <component>: <message>` to
/// standard error.
void write(level lvl, std::string_view component, std::string_view message);

/// Shorthands of `write`.
inline void info(std::string_view component, std::string_view message) {
  write(level::info, component, message);
}
inline void warning(std::string_view component, std::string_view message) {
  write(level::warning, component, message);
}
inline void error(std::string_view component, std::string_view message) {
  write(level::error, component, message);
}

/// Lines below `lvl` are dropped (default: info). Thread-safe.
void set_threshold(level lvl) noexcept;

/// The current threshold.
[[nodiscard]] level threshold() noexcept;

/// Replaces the sink (tests capture lines); an empty sink restores the
/// default. Returns the previous one. Thread-safe.
sink set_sink(sink next);

/// Installs `next` for the lifetime of the guard, then restores the
/// previous sink (tests).
class scoped_sink {
 public:
  explicit scoped_sink(sink next) : previous_(set_sink(std::move(next))) {}
  ~scoped_sink() { set_sink(std::move(previous_)); }
  scoped_sink(const scoped_sink&) = delete;
  scoped_sink& operator=(const scoped_sink&) = delete;

 private:
  sink previous_;
};

} // namespace warden::logging
