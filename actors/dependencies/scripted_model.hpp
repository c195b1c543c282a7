#pragma once

// The scripted model backend: deterministic replies for the demo, the tests
// and the benchmarks. Without a script file it runs the standard workload
// (see scripted_model); a script (actors/dependencies/model_script.hpp) adds
// replies per step, usage, latency and injected faults.

#include <cstdint>
#include <memory>

#include <caf/expected.hpp>

#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/model_script.hpp"
#include "config/dependencies.hpp"
#include "policies/clock.hpp"

namespace warden {

/// A deterministic model. The standard workload: a request that offers tools
/// and has no tool results in its current turn (the messages after the last
/// user message) gets calls to the first two offered tools, each with
/// arguments {"text": "<last user input>"}; a request with tool results, or
/// without tools, gets a final answer; a compaction request gets a summary.
/// Usage: prompt tokens = ceil(characters of all messages / chars_per_token),
/// completion tokens fixed (at most the request's max_completion_tokens, as
/// a model stops there); cost from the per-token prices. Latency and
/// faults come from the script, random draws from its seeded generator in
/// the order attempts start, so a given sequence of attempts always gets the
/// same outcome. A latency above zero is a delayed message, never a sleep.
/// Used only from its provider's context (not thread-safe).
class scripted_model final : public model_backend {
 public:
  /// A model following `script` (default: the standard workload).
  explicit scripted_model(model_script script = {});

  /// Starts one attempt: draws its latency and faults, reports after the
  /// latency (or never, for a timeout fault).
  void start(const model_request& request,
             const attempt_ticket& ticket) override;

  /// The answer to `request` without latency or faults.
  [[nodiscard]] model_reply reply_to(const model_request& request) const;

  /// Attempts started so far.
  [[nodiscard]] std::uint64_t attempts() const noexcept { return attempts_; }

  /// The script in effect.
  [[nodiscard]] const model_script& script() const noexcept { return script_; }

 private:
  [[nodiscard]] const scripted_fault* fault_for(const model_request& request,
                                                std::uint32_t attempt);
  [[nodiscard]] policies::duration draw_latency();

  model_script script_;
  policies::random_engine rng_;
  std::uint64_t attempts_ = 0;
};

/// The scripted backend of a provider: the standard workload when
/// `settings.script` is empty, else the script read from that file (an
/// invalid_argument error naming the file, key and line when it is bad).
caf::expected<std::shared_ptr<model_backend>>
make_scripted_model(const config::provider_settings& settings);

} // namespace warden
