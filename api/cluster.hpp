#pragma once

#include <nlohmann/json.hpp>

#include "actors/protocol/messages.hpp"

namespace warden::api {

/// A cluster as a node sees it, as GET /v1/admin/cluster and `wardenctl
/// cluster --json` write it: `{"self", "members": [{"name", "address",
/// "state", "since_ms", "slots", "resident_sessions", "open_runs"}]}`, the
/// counts null for a member that did not give them (down, or no answer in
/// time). A single node: self "" and no members.
[[nodiscard]] nlohmann::json cluster_json(const cluster_report& report);

} // namespace warden::api
