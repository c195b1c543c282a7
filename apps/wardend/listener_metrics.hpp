#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "net/server_stats.hpp"

namespace warden::apps {

/// Appends an HTTP listener's counts to an exposition, as the
/// warden_http_* families labelled listener=`listener`: connections open
/// and accepted or refused at the cap, failed accepts, requests answered,
/// connections closed at a deadline (by phase) and requests refused (too
/// large, malformed). Label values are fixed: cardinality is bounded.
void append_listener_metrics(std::vector<prometheus::MetricFamily>& families,
                             const std::string& listener,
                             const net::server_stats& stats);

} // namespace warden::apps
