#pragma once

// The metric handles of one dependency actor (a provider or a tool runner).

#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
} // namespace prometheus

namespace warden {

/// Metric handles of one dependency, fetched once by the node (one label set
/// per provider or tool) and passed in at spawn. Every pointer may be null
/// (tests, metrics off); the actor then skips that metric.
struct dependency_metrics {
  /// Breaker state: 0 closed, 1 open, 2 half-open; set on every change.
  prometheus::Gauge* breaker_state = nullptr;
  /// Logical calls received.
  prometheus::Counter* calls = nullptr;
  /// Attempts started (first attempts and retries).
  prometheus::Counter* attempts = nullptr;
  /// Retries scheduled.
  prometheus::Counter* retries = nullptr;
  /// Calls rejected before an attempt (circuit open, rate limited).
  prometheus::Counter* rejections = nullptr;
  /// Calls that ended with an error other than cancelled (a call that gave
  /// up after timeouts counts here once, and under `timeouts` per attempt).
  prometheus::Counter* failures = nullptr;
  /// Attempts that timed out: no answer within the dependency's timeout_ms,
  /// or a backend that reported a timeout. Retried attempts count too.
  prometheus::Counter* timeouts = nullptr;
  /// Calls cancelled by their caller (cancel_calls) or by shutdown.
  prometheus::Counter* cancellations = nullptr;
  /// Duration of answered attempts, in seconds.
  prometheus::Histogram* attempt_seconds = nullptr;
};

/// Fetches the handles of dependency `name` of `kind` ("provider" or "tool")
/// from `registry`: families warden_dependency_* labelled {kind, dependency}.
dependency_metrics make_dependency_metrics(prometheus::Registry& registry,
                                           const std::string& kind,
                                           const std::string& name);

} // namespace warden
