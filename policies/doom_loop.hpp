#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policies/clock.hpp"

namespace warden::policies {

/// When a session counts as stuck in a loop, and how hard to push back.
struct doom_loop_config {
  /// Identical calls (same tool, same normalized arguments) inside the window
  /// that count as a loop; 0 turns repeat detection off. Unit: calls.
  /// Default 3.
  std::uint32_t repeat_threshold = 3;
  /// The window in calls: only the last `window_calls` parseable calls are
  /// compared; 0 turns repeat detection off. Unit: calls. Default 20.
  std::uint32_t window_calls = 20;
  /// The window in time: a call made `window_time` ago or earlier is
  /// forgotten; zero means no time limit. Unit: nanoseconds. Default 10 min.
  duration window_time = std::chrono::minutes{10};
  /// Unparseable argument payloads in a row for one tool that count as a
  /// loop; 0 turns this detection off. Unit: payloads. Default 3.
  std::uint32_t unparseable_threshold = 3;
  /// Detections answered with `warn` before escalating. Unit: detections.
  /// Default 1.
  std::uint32_t warn_detections = 1;
  /// Detections answered with `nudge` after the warnings; every detection
  /// after those halts the session. Unit: detections. Default 1.
  std::uint32_t nudge_detections = 1;
};

/// What the session should do about its latest tool call. Ordered by severity.
enum class doom_verdict : std::uint8_t {
  ok,    ///< no loop detected
  warn,  ///< a loop was detected: log it and tell the operator
  nudge, ///< tell the model it repeats itself (e.g. in the tool result)
  halt,  ///< stop the session's agent loop; final for this session
};

/// Which detector fired.
enum class doom_cause : std::uint8_t {
  none,          ///< nothing fired
  repeated_call, ///< the same tool and arguments too often in the window
  unparseable,   ///< too many unparseable payloads in a row for one tool
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(doom_verdict x) noexcept;

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(doom_cause x) noexcept;

/// The answer to one observation.
struct doom_decision {
  /// What to do.
  doom_verdict verdict = doom_verdict::ok;
  /// Which detector fired; `none` when the verdict is ok.
  doom_cause cause = doom_cause::none;
  /// The repeat count or unparseable streak that fired; 0 when ok.
  std::uint32_t count = 0;
  /// A sentence naming the tool, the count and the threshold; empty when ok.
  std::string reason;

  /// Whether no loop was detected.
  [[nodiscard]] bool ok() const noexcept { return verdict == doom_verdict::ok; }
};

/// Detects one session's agent stuck in a loop: the same tool call with the
/// same arguments too often within a sliding window (the last `window_calls`
/// calls, further bounded by `window_time`), or too many unparseable argument
/// payloads in a row for one tool. Every detection escalates: warn, then
/// nudge, then halt; once halted, every observation answers halt with the
/// reason that halted it. Every observation inside the window whose repeat
/// count is at or above the threshold is a further detection.
///
/// Calls are kept as 64-bit hashes of (tool, arguments), never as strings: a
/// hash collision (about window_calls^2 / 2^64 per window) could count two
/// different calls as one. Each observation costs O(1) amortized plus hashing
/// its strings. Not thread-safe: owned by the session.
class doom_loop {
 public:
  /// Creates a detector that reads time from `clock`, which must outlive it.
  doom_loop(doom_loop_config config, const clock& clock);

  /// Observes a tool call the model asked for; `normalized_arguments` must be
  /// in a canonical form chosen by the caller (e.g. canonical JSON). Resets
  /// the unparseable streak of `tool_name`.
  [[nodiscard]] doom_decision
  observe_call(std::string_view tool_name,
               std::string_view normalized_arguments);

  /// Observes a call of `tool_name` whose argument payload could not be
  /// parsed. Such calls do not enter the repeat window.
  [[nodiscard]] doom_decision observe_unparseable(std::string_view tool_name);

  /// Starts afresh for a new turn: forgets the window, every unparseable
  /// streak and the escalation level. A halted detector stays halted.
  void reset();

  /// Whether a detection has halted the session.
  [[nodiscard]] bool halted() const noexcept { return halted_; }

  /// Detections since construction or the last `reset()`.
  [[nodiscard]] std::uint64_t detections() const noexcept {
    return detections_;
  }

  /// Calls currently inside the window.
  [[nodiscard]] std::size_t window_size() const noexcept { return size_; }

  /// The configuration in use.
  [[nodiscard]] const doom_loop_config& config() const noexcept {
    return config_;
  }

 private:
  struct call {
    std::uint64_t key;
    time_point at;
  };

  void expire(time_point now);
  void pop_oldest();
  doom_decision detect(doom_cause cause, std::string_view tool_name,
                       std::uint32_t count);

  doom_loop_config config_;
  const clock* clock_;
  // The window: a ring of the last calls, oldest at `head_`, and how often
  // each key occurs in it (keys with no occurrence are erased).
  std::vector<call> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::unordered_map<std::uint64_t, std::uint32_t> counts_;
  // Unparseable streaks by hash of the tool name; zero streaks are erased.
  std::unordered_map<std::uint64_t, std::uint32_t> streaks_;
  std::uint64_t detections_ = 0;
  bool halted_ = false;
  doom_decision halt_decision_;
};

} // namespace warden::policies
