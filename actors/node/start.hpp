#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/dependencies/process/process_service.hpp"
#include "actors/dependencies/tool_registry.hpp"
#include "config/settings.hpp"
#include "net/http_client.hpp"
#include "storage/journal.hpp"
#include "storage/snapshot_store.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace warden {

/// A started node: its entry actor and everything it runs on.
struct node_handle {
  /// The node actor.
  caf::actor node;
  /// What clients talk to: publish it, or send it the client protocol. The
  /// node actor on a single node; a cluster's router once start_cluster
  /// (actors/cluster/start.hpp) made the node a member.
  caf::actor entry;
  /// A cluster member's router, membership and handoff actors (empty on a
  /// single node): stopped first by stop_node.
  std::vector<caf::actor> cluster;
  /// The node's admission actor (also in `components`): a cluster's router
  /// tells it the members, so that tenants' caps hold cluster-wide.
  caf::actor admission;
  /// The node's provider actors and tool runners by name (also in
  /// `components`): the router tells them the members too, so that their
  /// rates hold cluster-wide.
  std::map<std::string, caf::actor> providers;
  std::map<std::string, caf::actor> tool_runners;
  /// The node's components in start order: journal, admission, governor,
  /// providers, tool runners. The node owns its pools and sessions itself.
  std::vector<caf::actor> components;
  /// The node's store, for reading (sizes, records) while the node runs.
  std::shared_ptr<const storage::journal> store;
  /// The node's snapshot store (null in memory), for reading while the node
  /// runs: `visit` scans what the database holds.
  std::shared_ptr<const storage::snapshot_store> snapshots;
  /// The processes of the node's command tools and MCP servers (null when
  /// it has none): stopped, every child killed and reaped, by stop_node.
  std::shared_ptr<process::process_service> processes;
  /// The actor of each MCP server, by its table's name (status_atom for
  /// operators).
  std::map<std::string, caf::actor> mcp_servers;
  /// The HTTP client of the node's http tools (null when it has none):
  /// stopped by stop_node, every exchange still open failed and closed.
  std::shared_ptr<net::http_client> http;
};

/// Where a node keeps its state.
struct node_storage {
  /// Everything in memory, lost with the process (tests, benchmarks of the
  /// runtime alone, embedding without a data directory). Default: RocksDB
  /// in `<node.data_dir>/db`.
  bool in_memory = false;
  /// UNSAFE, for the crash test's negative control only: acknowledge runs
  /// before their record is written, and write the journal only every
  /// 200 ms (see journal_options::unsafe_write_behind).
  bool unsafe_ack_before_write = false;
  /// Open a database refused as damaged anyway, keeping what is intact
  /// (storage::rocks_options::accept_data_loss; wardend
  /// --accept-data-loss). Off by default.
  bool accept_data_loss = false;
};

/// Scheduler worker threads of a node with `node` settings: its
/// scheduler_threads, or one per core when that is 0.
[[nodiscard]] std::size_t
scheduler_threads_of(const config::node_settings& node);

/// Sets the scheduler of `cfg` (threads and policy) from `node`: do this
/// before the actor system is created. "auto" is sharing for up to 2
/// worker threads and stealing above.
void configure_scheduler(caf::actor_system_config& cfg,
                         const config::node_settings& node);

/// Starts a node from validated `settings`, in this order: journal,
/// admission, governor, providers, tool runners, then the node actor (which
/// spawns one pool per agent and the sessions). `tools` holds the native
/// tools registered from C++; `registry` receives every metric (null: no
/// metrics). With durable `storage`, the database is opened first (refused
/// when foreign or corrupt) and the node resumes the runs it finds
/// unfinished. Returns an error naming the component that could not start
/// (for the database: its path and the problem); nothing is left running
/// then.
[[nodiscard]] caf::expected<node_handle>
start_node(caf::actor_system& sys, const config::settings& settings,
           const tool_registry& tools, prometheus::Registry* registry,
           const node_storage& storage = {});

/// Stops the node (which stops its pools and sessions) and then its
/// components in the reverse order of their start; then the processes of
/// command tools (each child's group killed, TERM then KILL after its
/// grace, and reaped: this blocks up to the longest kill_grace_ms) and the
/// HTTP client of http tools (its threads joined).
void stop_node(node_handle& handle);

} // namespace warden
