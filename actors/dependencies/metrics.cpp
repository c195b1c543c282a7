#include "actors/dependencies/metrics.hpp"

#include <chrono>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "actors/common/detail/metric_handles.hpp"
#include "actors/dependencies/detail/calls.hpp"

namespace warden::detail {

void increment(prometheus::Counter* counter) noexcept {
  if (counter != nullptr)
    counter->Increment();
}

void observe_seconds(prometheus::Histogram* histogram,
                     policies::duration d) noexcept {
  if (histogram != nullptr)
    histogram->Observe(std::chrono::duration<double>(d).count());
}

void set_breaker_gauge(prometheus::Gauge* gauge,
                       policies::breaker_state state) noexcept {
  if (gauge != nullptr)
    gauge->Set(static_cast<double>(state));
}

} // namespace warden::detail

namespace warden {

dependency_metrics make_dependency_metrics(prometheus::Registry& registry,
                                           const std::string& kind,
                                           const std::string& name) {
  const prometheus::Labels labels{{"kind", kind}, {"dependency", name}};
  auto counter = [&](const char* metric, const char* help) {
    return detail::counter_handle(registry, metric, help, labels);
  };
  dependency_metrics m;
  m.breaker_state = &prometheus::BuildGauge()
                         .Name("warden_dependency_breaker_state")
                         .Help("Circuit breaker state: 0 closed, 1 open, 2 "
                               "half-open")
                         .Register(registry)
                         .Add(labels);
  m.calls = counter("warden_dependency_calls_total", "Calls received");
  m.attempts = counter("warden_dependency_attempts_total",
                       "Attempts started, first attempts and retries");
  m.retries = counter("warden_dependency_retries_total", "Retries scheduled");
  m.rejections = counter("warden_dependency_rejections_total",
                         "Calls rejected by an open breaker or a rate limit");
  m.failures = counter("warden_dependency_failures_total",
                       "Calls that ended with an error other than cancelled");
  m.timeouts = counter("warden_dependency_timeouts_total",
                       "Attempts that timed out, retried ones included");
  m.cancellations = counter("warden_dependency_cancellations_total",
                            "Calls cancelled by their caller or by shutdown");
  m.attempt_seconds =
      &prometheus::BuildHistogram()
           .Name("warden_dependency_attempt_seconds")
           .Help("Duration of answered attempts")
           .Register(registry)
           .Add(labels, prometheus::Histogram::BucketBoundaries{
                            0.0005, 0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30});
  return m;
}

} // namespace warden
