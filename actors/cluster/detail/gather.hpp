#pragma once

// Queries a router answers from every member: each is asked by a
// short-lived actor of its own, which the router delegates the request to,
// so that the router holds no pending request.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/protocol/messages.hpp"

namespace warden::detail {

/// A member a gatherer asks, or reports down.
struct gather_target {
  std::string name;
  /// Its node actor; null when it is down.
  caf::actor node;
};

/// Answers one `list_sessions` from `targets`: asks each member's node for
/// a page, merges them by session id and cuts the page to the limit. A
/// member that is down, or does not answer within `timeout`, makes the
/// whole answer `unavailable` naming it (a list silently missing a node's
/// sessions would read as complete).
caf::behavior session_gatherer(caf::event_based_actor* self,
                               std::vector<gather_target> targets,
                               std::chrono::milliseconds timeout,
                               std::chrono::milliseconds retry_after);

/// Answers one `get_cluster`: `report` as the router knows it, with each
/// up member's counts (get_node_counts) filled in when it answers within
/// `timeout`; `targets` by member index as in `report`.
caf::behavior cluster_gatherer(caf::event_based_actor* self,
                               cluster_report report,
                               std::vector<gather_target> targets,
                               std::chrono::milliseconds timeout);

} // namespace warden::detail
