#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "net/server_stats.hpp"

namespace warden::apps {

/// An HTTP listener's name ("metrics", "api") and its counts.
struct listener_stats {
  std::string name;
  net::server_stats stats;
};

/// Appends HTTP listeners' counts to an exposition, as the warden_http_*
/// families (one family each, a sample per listener, labelled
/// listener=`name`): connections open and accepted or refused at the cap,
/// failed accepts, requests answered, connections closed at a deadline (by
/// phase) and requests refused (too large, malformed). Label values are
/// fixed: cardinality is bounded.
void append_listener_metrics(std::vector<prometheus::MetricFamily>& families,
                             const std::vector<listener_stats>& listeners);

/// Appends the process's open file descriptors and their limit, under the
/// names Prometheus client libraries give them (process_open_fds,
/// process_max_fds).
void append_fd_metrics(std::vector<prometheus::MetricFamily>& families);

} // namespace warden::apps
