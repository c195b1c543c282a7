#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/endpoint.hpp"

namespace warden::config {

/// One member of [cluster] nodes.
struct cluster_member {
  /// The member's [node] name: 1 to 64 characters of [A-Za-z0-9_-].
  /// Required.
  std::string name;
  /// Its node port ([node] listen): where members and clients reach it,
  /// "host:port" with a port not 0. Required.
  endpoint address{"", 0};
};

/// [cluster]: the nodes that form one runtime with this one.
struct cluster_settings {
  /// Every member, this node included; its position is the member's index
  /// (the high bits of the ids it creates), so members must list the same
  /// nodes in the same order. Empty: a single node; else 2 to 32 members,
  /// no name or address twice, one of them named [node] name with [node]
  /// listen as its address. Default empty.
  std::vector<cluster_member> nodes;
  /// How often a node tells each member it is alive, in milliseconds.
  /// Range [10, 60000]. Default 500.
  std::uint64_t heartbeat_interval_ms = 500;
  /// A member not heard from for this long is declared down, in
  /// milliseconds. Range [20, 600000], and at least twice
  /// heartbeat_interval_ms. Default 3000.
  std::uint64_t failure_timeout_ms = 3'000;
  /// On SIGTERM, before its drain, this member leaves the cluster and hands
  /// every session to its slot's new owner (as `wardenctl drain --member`),
  /// waiting at most [node] drain_timeout_ms; sessions still busy then stay
  /// on its disk and are served again when it rejoins. Default false: a
  /// stopped member's sessions wait for it (503 naming it).
  bool handoff_on_drain = false;
  /// A file holding the cluster's shared secret (at least 32 bytes, e.g.
  /// `openssl rand -hex 32`; readable by its owner alone): members prove
  /// with it that they belong, since the node port's CA signs clients'
  /// certificates too. Required in a cluster. Default empty.
  std::string secret_file;
  /// How long a lease of a cluster-wide limit (a tenant's in-flight cap)
  /// lives after its home's latest answer, in milliseconds: a member that
  /// stops renewing (lost, or cut off) loses its units after this long,
  /// and a member that becomes a limit's home grants nothing new for this
  /// long, while the others tell it the runs they have. Range
  /// [100, 600000]. Default 3000.
  std::uint64_t lease_ttl_ms = 3'000;
  /// Units a member leases at a time from a limit's home (runs of one
  /// tenant). Larger chunks ask the home less often and leave more units
  /// idle on members that do not use them. Range [1, 100000]. Default 2.
  std::uint64_t lease_chunk = 2;

  /// Whether this node is one of a cluster: nodes is not empty (and so, once
  /// validated, lists 2 members or more).
  [[nodiscard]] bool enabled() const noexcept { return !nodes.empty(); }

  /// The index of the member named `name` in nodes, or nodes.size() when
  /// none.
  [[nodiscard]] std::size_t index_of(std::string_view name) const noexcept;
};

} // namespace warden::config
