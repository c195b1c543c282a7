#pragma once

// How wardenctl prints what the node answers, whichever way it asked (CAF
// or HTTP): text for people, one line of JSON with --json.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/protocol/messages.hpp"
#include "apps/wardenctl/commands.hpp"

namespace warden::apps {

/// `x` as one line of JSON; bytes that are not UTF-8 are replaced.
[[nodiscard]] std::string dump(const nlohmann::json& x);

/// Prints a run for `cmd` (status, wait, cancel); returns the exit code:
/// `exit_run_unsuccessful` when `wait` sees it end without success.
int show_status(const ctl_command& cmd, const run_status& s);

/// Prints an accepted run (submit, turn).
void show_ack(const ctl_command& cmd, const run_ack& ack);

/// Prints the tenant's sessions.
void show_sessions(const ctl_command& cmd,
                   const std::vector<session_info>& sessions);

/// Prints the cluster as the node sees it (cluster): `doc` as
/// api::cluster_json writes it.
void show_cluster(const ctl_command& cmd, const nlohmann::json& doc);

/// Prints how a cluster member's drain went (drain --member); returns
/// exit_failure when sessions stay on the member, else exit_ok.
int show_member_drain(const ctl_command& cmd, const member_drain_report& r);

/// Prints a tenant's pause state (tenant pause, tenant resume).
void show_pause(const ctl_command& cmd, const tenant_pause_state& s);

/// Prints the node's MCP servers (GET /v1/admin/mcp-servers's document):
/// a line per server, its processes, and the end of its stderr indented.
void show_mcp_servers(const ctl_command& cmd, const nlohmann::json& doc);

/// Prints a refusal (`code`: the node's error code) and returns its exit
/// code: `exit_not_found` for not_found, else `exit_failure`.
int show_refusal(const ctl_command& cmd, const std::string& code,
                 const std::string& reason);

} // namespace warden::apps
