#include "actors/node/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "actors/common/detail/metric_handles.hpp"

namespace warden {

node_metrics node_metrics::create(prometheus::Registry& registry) {
  node_metrics m;
  m.submitted = &prometheus::BuildCounter()
                     .Name("warden_runs_submitted_total")
                     .Help("Runs accepted for admission")
                     .Register(registry)
                     .Add({});
  auto& rejected = prometheus::BuildCounter()
                       .Name("warden_runs_rejected_total")
                       .Help("Submissions refused, by reason")
                       .Register(registry);
  for (std::size_t code = 1; code < code_count; ++code)
    m.rejected[code] =
        &rejected.Add({{"reason", to_string(static_cast<error_code>(code))}});
  auto& finished = prometheus::BuildCounter()
                       .Name("warden_runs_finished_total")
                       .Help("Runs that became final, by final state")
                       .Register(registry);
  for (std::size_t state = 0; state < state_count; ++state)
    if (is_final(static_cast<run_state>(state)))
      m.finished[state] =
          &finished.Add({{"state", to_string(static_cast<run_state>(state))}});
  m.turn_duration =
      &prometheus::BuildHistogram()
           .Name("warden_turn_duration_seconds")
           .Help("Time from a turn's start to its end")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{
                        0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600});
  m.tokens = &prometheus::BuildCounter()
                  .Name("warden_tokens_total")
                  .Help("Tokens (prompt and completion) spent by finished runs")
                  .Register(registry)
                  .Add({});
  m.cost_micros = &prometheus::BuildCounter()
                       .Name("warden_cost_micros_total")
                       .Help("Cost spent by finished runs, in millionths")
                       .Register(registry)
                       .Add({});
  auto& sessions = prometheus::BuildGauge()
                       .Name("warden_sessions")
                       .Help("Sessions known to the node, by residency")
                       .Register(registry);
  m.sessions_resident = &sessions.Add({{"residency", "resident"}});
  m.sessions_passivated = &sessions.Add({{"residency", "passivated"}});
  m.requests_without_sender = detail::counter_handle(
      registry, "warden_requests_without_sender_total",
      "Client requests that arrived with no sender to answer, not carried out",
      {});
  m.sessions_expired = detail::counter_handle(
      registry, "warden_sessions_expired_total",
      "Passivated sessions forgotten after their idle expiry", {});
  return m;
}

void node_metrics::count_submitted() const {
  submitted->Increment();
}

void node_metrics::count_without_sender() const {
  requests_without_sender->Increment();
}

void node_metrics::count_resident(int delta) const {
  sessions_resident->Increment(delta);
}

void node_metrics::count_passivated(int delta) const {
  sessions_passivated->Increment(delta);
}

void node_metrics::count_expired(std::size_t n) const {
  sessions_expired->Increment(static_cast<double>(n));
  sessions_passivated->Decrement(static_cast<double>(n));
}

void node_metrics::count_rejected(error_code code) const {
  auto index = static_cast<std::size_t>(code);
  if (index < code_count && rejected[index])
    rejected[index]->Increment();
}

void node_metrics::count_finished(run_state state, const usage_totals& usage,
                                  double turn_seconds) const {
  auto index = static_cast<std::size_t>(state);
  if (index < state_count && finished[index])
    finished[index]->Increment();
  tokens->Increment(static_cast<double>(usage.tokens()));
  cost_micros->Increment(static_cast<double>(usage.cost_micros));
  if (turn_seconds >= 0)
    turn_duration->Observe(turn_seconds);
}

} // namespace warden
