#include <cstdint>
#include <string>
#include <vector>

#include "config/detail/rules.hpp"
#include "config/detail/schema.hpp"

namespace warden::config::detail {

namespace {

std::string member_path(std::size_t index) {
  return "cluster.nodes[" + std::to_string(index) + "]";
}

void check_size(rule_context& context, const cluster_settings& cluster) {
  auto count = static_cast<std::int64_t>(cluster.nodes.size());
  const auto allowed = limits::cluster_members;
  if (count >= allowed.min && count <= allowed.max)
    return;
  context.report("cluster.nodes",
                 "must list " + std::to_string(allowed.min) + " to " +
                     std::to_string(allowed.max) +
                     " members, this node among them (a member's index is "
                     "5 bits of the ids it creates), or none for a "
                     "single node; got " +
                     std::to_string(count));
}

/// Reports a member whose `field` ("name", "address"), as `text_of` renders
/// it, an earlier member has too.
template <class TextOf>
void check_unique(rule_context& context, const cluster_settings& cluster,
                  const char* field, TextOf text_of) {
  const auto& nodes = cluster.nodes;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto key = member_path(i) + "." + field;
    if (!context.usable({key}))
      continue;
    for (std::size_t j = 0; j < i; ++j) {
      auto earlier = member_path(j) + "." + field;
      if (context.usable({earlier}) && text_of(nodes[j]) == text_of(nodes[i])) {
        context.report(key, std::string{"duplicate member "} + field + " " +
                                text_of(nodes[i]) + " (also " + earlier + ")");
        break;
      }
    }
  }
}

/// This node is the member named [node] name, reached at [node] listen.
void check_this_node(rule_context& context) {
  const auto& node = context.value().node;
  const auto& nodes = context.value().cluster.nodes;
  if (node.listen.is_off())
    context.report("node.listen",
                   "must not be off (\"\") in a cluster: members and clients "
                   "reach this node at its node port");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    // A member whose name was refused may be this node: nothing to say.
    if (!context.usable({member_path(i) + ".name"}))
      return;
    names.push_back(nodes[i].name);
  }
  if (!context.usable({"node.name"}))
    return;
  auto index = context.value().cluster.index_of(node.name);
  if (index == nodes.size()) {
    context.report_near(
        "node.name", "cluster.nodes",
        undefined_message(node.name,
                          "member of [cluster] nodes (this node must be one)",
                          names));
    return;
  }
  auto key = member_path(index) + ".address";
  const auto& address = nodes[index].address;
  // A node listening on every interface is reached at an address of one
  // of them: the port must match.
  auto wildcard = node.listen.host == "0.0.0.0" || node.listen.host == "::";
  auto matches =
      wildcard ? address.port == node.listen.port : address == node.listen;
  if (!node.listen.is_off() && !matches && context.usable({"node.listen"}))
    context.report(key, "must be node.listen (" + node.listen.to_string() +
                            (wildcard ? "), its port at least"
                                      : "), host and port as written") +
                            ": member `" + node.name +
                            "` is this node ([node] name), got " +
                            address.to_string());
}

void check_shared_ca(rule_context& context) {
  const auto& node = context.value().node;
  // Some of the three files but not all: the TLS rules report that.
  if (!node.tls_cert.empty() || !node.tls_key.empty() ||
      !node.tls_ca_file.empty())
    return;
  context.report_missing(
      "node.tls_ca_file", "cluster.nodes",
      "is required in a cluster, with node.tls_cert and node.tls_key: the "
      "node port takes mutual TLS only, so the members must share one CA (a "
      "private CA in <data_dir>/tls is each node's own)");
}

void check_secret(rule_context& context, const cluster_settings& cluster) {
  if (!cluster.secret_file.empty())
    return;
  context.report_missing(
      "cluster.secret_file", "cluster.nodes",
      "is required in a cluster: the members prove with its secret that "
      "they belong (the node port's CA signs wardenctl's certificates too)");
}

void check_timeouts(rule_context& context, const cluster_settings& cluster) {
  // One late heartbeat must not declare a member down.
  auto least = 2 * cluster.heartbeat_interval_ms;
  if (cluster.failure_timeout_ms >= least)
    return;
  context.report_near("cluster.failure_timeout_ms",
                      "cluster.heartbeat_interval_ms",
                      "must be at least twice cluster.heartbeat_interval_ms (" +
                          std::to_string(least) + "), got " +
                          std::to_string(cluster.failure_timeout_ms));
}

} // namespace

void check_cluster_rules(rule_context& context) {
  const auto& cluster = context.value().cluster;
  // An empty list is a single node: the other keys wait unused.
  if (!cluster.enabled())
    return;
  check_size(context, cluster);
  check_unique(context, cluster, "name",
               [](const cluster_member& x) { return '`' + x.name + '`'; });
  check_unique(context, cluster, "address",
               [](const cluster_member& x) { return x.address.to_string(); });
  check_this_node(context);
  check_shared_ca(context);
  check_secret(context, cluster);
  check_timeouts(context, cluster);
}

} // namespace warden::config::detail
