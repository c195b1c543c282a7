#pragma once

// The script of the scripted model backend: replies per step, token usage,
// latency and injected faults. Built in C++ (tests) or read from a TOML file
// (config/scripts/demo.toml documents the format).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/protocol/messages.hpp"

namespace warden {

/// A fault the scripted model injects into an attempt.
enum class fault_kind : std::uint8_t {
  timeout,             ///< no answer at all: the provider's timeout ends it
  rate_limited,        ///< a rate_limited failure with a retry-after
  server_error,        ///< a transient failure (an HTTP 5xx)
  malformed_arguments, ///< an answer whose tool-call arguments are not JSON
};

/// The name used in script files ("timeout", "rate_limited", ...).
const char* to_string(fault_kind x) noexcept;

/// One injected fault. It hits an attempt when the step matches (or step is
/// 0) and then either by rate (rate > 0: each such attempt with probability
/// `rate`, drawn from the script's seeded generator) or by attempt number
/// (the first `attempts` attempts of each matching call; 0 = all of them).
/// The first fault that hits an attempt wins.
struct scripted_fault {
  /// What goes wrong.
  fault_kind kind = fault_kind::server_error;
  /// The model_request step it hits; 0 = every step. Default 0.
  std::uint32_t step = 0;
  /// Attempts of a matching call that fail, from the first; 0 = every
  /// attempt. Ignored when rate > 0. Default 1.
  std::uint32_t attempts = 1;
  /// Probability (0..1) that a matching attempt fails; 0 = by attempt
  /// number instead. Default 0.
  double rate = 0.0;
  /// rate_limited only: the retry-after the failure carries, in
  /// milliseconds. Default 1000.
  std::uint32_t retry_after_ms = 1000;
  /// A phase of the provider's life: the fault hits only attempts whose
  /// number, counted over all calls of the provider from 1, lies in
  /// [from_attempt, until_attempt]; 0 = unbounded. Lets a script make a
  /// dependency fail for a while and then recover. Defaults 0.
  std::uint64_t from_attempt = 0;
  std::uint64_t until_attempt = 0;
};

/// The reply to one step, replacing the standard workload's.
struct scripted_step {
  /// The model_request step (from 1) this entry answers.
  std::uint32_t step = 1;
  /// The reply's text (a final answer when there are no tool calls).
  std::string text;
  /// The tool calls the reply asks for.
  std::vector<tool_call> tool_calls;
  /// Overrides the computed prompt tokens.
  std::optional<std::uint64_t> prompt_tokens;
  /// Overrides the script's completion tokens.
  std::optional<std::uint64_t> completion_tokens;
};

/// How long the scripted model takes to answer an attempt.
struct scripted_latency {
  /// Shortest latency in milliseconds. Default 0 (answers at once).
  std::uint32_t min_ms = 0;
  /// Longest latency in milliseconds; equal to min_ms for a fixed latency,
  /// else uniform in [min_ms, max_ms] from the seeded generator. Default 0.
  std::uint32_t max_ms = 0;
};

/// Everything the scripted model does; the default is the standard workload
/// with zero latency and no faults.
struct model_script {
  /// Seed of the latency and fault-rate draws. Default 1.
  std::uint64_t seed = 1;
  /// Latency of every attempt.
  scripted_latency latency;
  /// Prompt tokens are ceil(characters of all messages / this). Default 4.
  std::uint32_t chars_per_token = 4;
  /// Completion tokens of every reply. Default 16.
  std::uint64_t completion_tokens = 16;
  /// Cost of a prompt token in micro-units. Default 1.
  std::uint64_t prompt_micros_per_token = 1;
  /// Cost of a completion token in micro-units. Default 2.
  std::uint64_t completion_micros_per_token = 2;
  /// Replies by step; steps without an entry follow the standard workload.
  std::vector<scripted_step> steps;
  /// Injected faults, checked in order.
  std::vector<scripted_fault> faults;
};

/// Reads a script from TOML text; `origin` names it in errors (a file name).
/// Errors are invalid_argument, naming the origin, the key and the line.
caf::expected<model_script> parse_model_script(const std::string& text,
                                               const std::string& origin);

/// Reads a script from the TOML file at `path`.
caf::expected<model_script> load_model_script(const std::string& path);

} // namespace warden
