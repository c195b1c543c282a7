#include "actors/protocol/messages.hpp"

#include <tuple>
#include <type_traits>

#include "actors/protocol/error.hpp"

namespace warden {

const char* to_string(run_state x) noexcept {
  switch (x) {
  case run_state::queued:
    return "queued";
  case run_state::running:
    return "running";
  case run_state::succeeded:
    return "succeeded";
  case run_state::failed:
    return "failed";
  case run_state::cancelled:
    return "cancelled";
  case run_state::timed_out:
    return "timed_out";
  case run_state::shed:
    return "shed";
  }
  return "unknown";
}

const char* to_string(step_kind x) noexcept {
  switch (x) {
  case step_kind::model_started:
    return "model_started";
  case step_kind::model_finished:
    return "model_finished";
  case step_kind::tool_started:
    return "tool_started";
  case step_kind::tool_finished:
    return "tool_finished";
  case step_kind::child_spawned:
    return "child_spawned";
  case step_kind::child_finished:
    return "child_finished";
  }
  return "unknown";
}

// A field added to one of the two and not to the other (and to the copies
// below) fails here.
static_assert(sizeof(usage_totals) == sizeof(storage::stored_usage),
              "usage_totals and storage::stored_usage hold the same fields");

storage::stored_usage to_stored(const usage_totals& x) noexcept {
  return {x.prompt_tokens, x.completion_tokens, x.cost_micros, x.model_calls,
          x.tool_calls,    x.retries,           x.iterations};
}

usage_totals from_stored(const storage::stored_usage& x) noexcept {
  return {x.prompt_tokens, x.completion_tokens, x.cost_micros, x.model_calls,
          x.tool_calls,    x.retries,           x.iterations};
}

usage_totals& usage_totals::operator+=(const usage_totals& other) noexcept {
  prompt_tokens += other.prompt_tokens;
  completion_tokens += other.completion_tokens;
  cost_micros += other.cost_micros;
  model_calls += other.model_calls;
  tool_calls += other.tool_calls;
  retries += other.retries;
  iterations += other.iterations;
  return *this;
}

void add_message_types(caf::actor_system_config& cfg) {
  add_error_category(cfg);
  std::apply(
      [&cfg](const auto&... x) {
        (cfg.add_message_type<typename std::decay_t<decltype(x)>::type>(x.name),
         ...);
      },
      protocol_types);
}

} // namespace warden
