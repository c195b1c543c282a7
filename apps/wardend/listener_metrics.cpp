#include "apps/wardend/listener_metrics.hpp"

#include <cstdint>
#include <initializer_list>
#include <utility>

#include "net/fd_limits.hpp"

namespace warden::apps {

namespace {

/// One sample: the value of an extra label (none when empty), and a count.
struct sample {
  const char* label_value;
  std::uint64_t value;
};

prometheus::MetricFamily family(const char* name, const char* help,
                                prometheus::MetricType type,
                                const std::string& listener,
                                const char* label_name,
                                std::initializer_list<sample> samples) {
  prometheus::MetricFamily result{name, help, type, {}};
  for (const auto& s : samples) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"listener", listener});
    if (label_name != nullptr)
      metric.label.push_back({label_name, s.label_value});
    auto value = static_cast<double>(s.value);
    if (type == prometheus::MetricType::Gauge)
      metric.gauge.value = value;
    else
      metric.counter.value = value;
    result.metric.push_back(std::move(metric));
  }
  return result;
}

} // namespace

void append_listener_metrics(std::vector<prometheus::MetricFamily>& families,
                             const std::string& listener,
                             const net::server_stats& stats) {
  using type = prometheus::MetricType;
  families.push_back(family("warden_http_connections",
                            "HTTP connections open now", type::Gauge, listener,
                            nullptr, {{"", stats.connections_open}}));
  families.push_back(family(
      "warden_http_connections_total",
      "HTTP connections accepted, and refused because max_connections were "
      "open",
      type::Counter, listener, "outcome",
      {{"accepted", stats.connections_accepted},
       {"refused", stats.connections_refused}}));
  families.push_back(
      family("warden_http_accept_failures_total",
             "Accepts that failed for lack of file descriptors or memory (each "
             "pauses accepting briefly)",
             type::Counter, listener, nullptr, {{"", stats.accept_failures}}));
  families.push_back(family("warden_http_requests_total",
                            "HTTP requests answered", type::Counter, listener,
                            nullptr, {{"", stats.requests}}));
  families.push_back(family(
      "warden_http_deadlines_total",
      "HTTP connections closed because a deadline passed: header or body "
      "not in time, idle keep-alive, answer not written in time",
      type::Counter, listener, "phase",
      {{"header", stats.header_timeouts},
       {"body", stats.body_timeouts},
       {"idle", stats.idle_timeouts},
       {"write", stats.write_timeouts}}));
  families.push_back(
      family("warden_http_requests_refused_total",
             "HTTP requests refused: too large (413, 431) or malformed (400)",
             type::Counter, listener, "reason",
             {{"too_large", stats.too_large}, {"malformed", stats.malformed}}));
}

void append_fd_metrics(std::vector<prometheus::MetricFamily>& families) {
  auto gauge = [](const char* name, const char* help, std::uint64_t value) {
    prometheus::MetricFamily result{
        name, help, prometheus::MetricType::Gauge, {}};
    prometheus::ClientMetric metric;
    metric.gauge.value = static_cast<double>(value);
    result.metric.push_back(std::move(metric));
    return result;
  };
  if (auto open = net::count_open_fds())
    families.push_back(
        gauge("process_open_fds", "Number of open file descriptors", *open));
  families.push_back(gauge("process_max_fds",
                           "Maximum number of open file descriptors",
                           net::fd_limit()));
}

} // namespace warden::apps
