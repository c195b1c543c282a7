#include "apps/wardend/listener_metrics.hpp"

#include <cstdint>
#include <utility>

#include "net/fd_limits.hpp"

namespace warden::apps {

namespace {

/// One sample: the value of an extra label (none when empty), and a count.
struct sample {
  const char* label_value;
  std::uint64_t value;
};

/// A family with the samples `pick` takes from each listener's counts.
template <class Pick>
prometheus::MetricFamily family(const char* name, const char* help,
                                prometheus::MetricType type,
                                const std::vector<listener_stats>& listeners,
                                const char* label_name, Pick pick) {
  prometheus::MetricFamily result{name, help, type, {}};
  for (const auto& listener : listeners) {
    for (const auto& s : pick(listener.stats)) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"listener", listener.name});
      if (label_name != nullptr)
        metric.label.push_back({label_name, s.label_value});
      auto value = static_cast<double>(s.value);
      if (type == prometheus::MetricType::Gauge)
        metric.gauge.value = value;
      else
        metric.counter.value = value;
      result.metric.push_back(std::move(metric));
    }
  }
  return result;
}

using samples = std::vector<sample>;

} // namespace

void append_listener_metrics(std::vector<prometheus::MetricFamily>& families,
                             const std::vector<listener_stats>& listeners) {
  using type = prometheus::MetricType;
  using stats = net::server_stats;
  families.push_back(family("warden_http_connections",
                            "HTTP connections open now", type::Gauge, listeners,
                            nullptr, [](const stats& x) {
                              return samples{{"", x.connections_open}};
                            }));
  families.push_back(family(
      "warden_http_connections_total",
      "HTTP connections accepted, and refused because max_connections were "
      "open",
      type::Counter, listeners, "outcome", [](const stats& x) {
        return samples{{"accepted", x.connections_accepted},
                       {"refused", x.connections_refused}};
      }));
  families.push_back(
      family("warden_http_accept_failures_total",
             "Accepts that failed for lack of file descriptors or memory (each "
             "pauses accepting briefly)",
             type::Counter, listeners, nullptr, [](const stats& x) {
               return samples{{"", x.accept_failures}};
             }));
  families.push_back(family("warden_http_requests_total",
                            "HTTP requests answered", type::Counter, listeners,
                            nullptr, [](const stats& x) {
                              return samples{{"", x.requests}};
                            }));
  families.push_back(family(
      "warden_http_deadlines_total",
      "HTTP connections closed because a deadline passed: header or body "
      "not in time, idle keep-alive, answer not written in time",
      type::Counter, listeners, "phase", [](const stats& x) {
        return samples{{"header", x.header_timeouts},
                       {"body", x.body_timeouts},
                       {"idle", x.idle_timeouts},
                       {"write", x.write_timeouts}};
      }));
  families.push_back(family(
      "warden_http_requests_refused_total",
      "HTTP requests refused: too large (413, 431) or malformed (400)",
      type::Counter, listeners, "reason", [](const stats& x) {
        return samples{{"too_large", x.too_large}, {"malformed", x.malformed}};
      }));
  families.push_back(family(
      "warden_http_streams_cut_total",
      "Streamed answers (Server-Sent Events) cut off because their client "
      "read too slowly",
      type::Counter, listeners, nullptr, [](const stats& x) {
        return samples{{"", x.streams_cut}};
      }));
  families.push_back(family(
      "warden_http_tls_handshake_failures_total",
      "HTTPS connections closed because their TLS handshake failed (plain "
      "HTTP, no common protocol version or cipher)",
      type::Counter, listeners, nullptr, [](const stats& x) {
        return samples{{"", x.tls_handshake_failures}};
      }));
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
