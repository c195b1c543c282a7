#include "actors/session/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "actors/common/detail/metric_handles.hpp"

namespace warden {

namespace {

void increment(prometheus::Counter* counter) noexcept {
  if (counter != nullptr)
    counter->Increment();
}

} // namespace

void session_metrics::count_doom_loop_halt() const noexcept {
  increment(doom_loop_halts);
}

void session_metrics::count_iteration_limit_halt() const noexcept {
  increment(iteration_limit_halts);
}

void session_metrics::count_turn_timeout() const noexcept {
  increment(turn_timeouts);
}

void session_metrics::count_journal_halt() const noexcept {
  increment(journal_halts);
}

session_metrics make_session_metrics(prometheus::Registry& registry,
                                     const std::string& agent) {
  const prometheus::Labels labels{{"agent", agent}};
  auto counter = [&](const char* metric, const char* help) {
    return detail::counter_handle(registry, metric, help, labels);
  };
  session_metrics m;
  m.doom_loop_halts = counter("warden_doom_loop_halts_total",
                              "Turns failed by the doom-loop detector");
  m.iteration_limit_halts =
      counter("warden_iteration_limit_halts_total",
              "Turns whose tool loop max_iterations stopped (a tool-free "
              "final call follows)");
  m.turn_timeouts = counter("warden_turn_timeouts_total",
                            "Turns ended by their turn_timeout_ms");
  m.journal_halts =
      counter("warden_journal_halts_total",
              "Turns stopped because a record of theirs could not be written");
  return m;
}

} // namespace warden
