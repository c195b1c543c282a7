#include "actors/dependency_metrics.hpp"

#include <chrono>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "actors/detail/dependency_calls.hpp"

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
