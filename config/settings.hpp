#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/admission.hpp"
#include "config/agents.hpp"
#include "config/api.hpp"
#include "config/cluster.hpp"
#include "config/dependencies.hpp"
#include "config/endpoint.hpp"
#include "config/governor.hpp"
#include "config/mcp.hpp"

namespace warden::config {

/// How the node's scheduler hands ready actors to its worker threads.
enum class scheduler_policy : std::uint8_t {
  /// sharing up to 2 worker threads, stealing above.
  automatic,
  /// One queue all workers take from (CAF's `sharing`).
  sharing,
  /// A queue per worker, idle workers steal (CAF's `stealing`).
  stealing,
};

/// Returns the name used in the file ("auto", "sharing", "stealing").
const char* to_string(scheduler_policy x) noexcept;

/// [node]: identity and resources of this node.
struct node_settings {
  /// Name of this node among its peers (in a cluster, one of [cluster]
  /// nodes): 1 to 64 characters of [A-Za-z0-9_-]. Default "warden-1".
  std::string name = "warden-1";
  /// Directory of the node's database and files; relative paths are resolved
  /// against wardend's working directory. Default "./var".
  std::string data_dir = "./var";
  /// Scheduler worker threads; 0 means one per core. Range [0, 256].
  /// Default 0.
  std::uint32_t scheduler_threads = 0;
  /// How the scheduler hands ready actors to its workers. "auto" picks
  /// sharing for up to 2 worker threads (measured faster there: bench/
  /// README.md) and stealing above. Default "auto".
  scheduler_policy scheduler = scheduler_policy::automatic;
  /// How long a drain (SIGTERM, SIGINT, `wardenctl drain`) lets running
  /// turns finish before cancelling them, in milliseconds. Range
  /// [0, 3600000]. Default 30000.
  std::uint64_t drain_timeout_ms = 30'000;
  /// Where the node's entry actor is published, for clients and peers that
  /// complete mutual TLS; off (`""`) publishes nothing. Default
  /// 127.0.0.1:4242.
  endpoint listen{"127.0.0.1", 4242};
  /// PEM files of the node's TLS certificate, its private key and the CA
  /// that peers' certificates must chain to: all three or none; none = a
  /// private CA in `<data_dir>/tls`, created on first start. Default "".
  std::string tls_cert;
  /// See tls_cert.
  std::string tls_key;
  /// See tls_cert.
  std::string tls_ca_file;
  /// A connection to the node port still in its TLS handshake after this
  /// long is closed, in milliseconds. Range [1, 3600000]. Default 10000.
  std::uint64_t tls_handshake_timeout_ms = 10'000;
  /// Connections to the node port in their TLS handshake at once; one
  /// more closes the oldest. Range [1, 65536]. Default 256.
  std::uint64_t max_pending_handshakes = 256;
  /// A connection to the node port (after TLS) from which nothing came for
  /// this long is closed, in milliseconds; the node sends heartbeats at a
  /// quarter of it, so peer nodes stay connected. 0 = never. Range
  /// [0, 3600000]. Default 0 (see config/warden.toml).
  std::uint64_t peer_idle_timeout_ms = 0;
};

/// [metrics]: the Prometheus endpoint.
struct metrics_settings {
  /// Address of the /metrics endpoint; must differ from node.listen.
  /// Default 127.0.0.1:9464.
  endpoint listen{"127.0.0.1", 9464};
  /// Connections open at once; one beyond is closed at once, unread.
  /// Range [1, 65536]. Default 256.
  std::uint32_t max_connections = 256;
  /// Time for a request to arrive whole, in milliseconds: from the accept,
  /// or from a kept-alive request's first byte. Range [1, 3600000].
  /// Default 10000.
  std::uint64_t header_timeout_ms = 10'000;
  /// How long a kept-alive connection may wait for its next request, in
  /// milliseconds. Range [1, 3600000]. Default 120000.
  std::uint64_t idle_timeout_ms = 120'000;
  /// Time to write one answer, in milliseconds. Range [1, 3600000].
  /// Default 10000.
  std::uint64_t write_timeout_ms = 10'000;
  /// Largest request, in bytes (431 or 413 beyond). Range [1024, 1048576].
  /// Default 8192.
  std::uint32_t max_request_bytes = 8192;
};

/// [sessions]: residency of idle sessions.
struct session_settings {
  /// A session idle this long, in milliseconds, is passivated to disk;
  /// 0 = never on idle time alone. Range [0, 2592000000] (30 days).
  /// Default 300000.
  std::uint64_t idle_ttl_ms = 300'000;
  /// Sessions kept resident at most; beyond that the least recently used is
  /// passivated; 0 = no limit, else at least admission.global_cap (running
  /// sessions stay resident). Range [0, 1000000000]. Default 1000000.
  std::uint64_t max_resident = 1'000'000;
  /// A passivated session is forgotten (its snapshot deleted; a turn for it
  /// is refused as unknown) once it has been idle this long, in
  /// milliseconds, counted from its last turn's end (or from its
  /// passivation, at most idle_ttl_ms later); 0 = keep forever. Resident
  /// sessions never expire. Range [0, 31536000000] (365 days). Default
  /// 2592000000 (30 days).
  std::uint64_t expire_after_ms = 2'592'000'000;
};

/// [storage]: the node's database (`<node.data_dir>/db`).
struct storage_settings {
  /// Finished runs' records and journals are deleted this long, in
  /// milliseconds, after they finished; 0 = keep forever.
  /// Range [0, 31536000000] (365 days). Default 604800000 (7 days).
  std::uint64_t retention_ms = 604'800'000;
  /// Most journal entries in one group-committed (synced) write.
  /// Range [1, 1000000]. Default 4096.
  std::uint32_t max_batch_entries = 4096;
  /// How often retention sweeps, in milliseconds. Range [100, 86400000].
  /// Default 60000.
  std::uint64_t sweep_interval_ms = 60'000;
};

/// A whole configuration file. Every field has its default in-class, so an
/// empty file is a valid configuration. Named tables ([tiers.<name>] ...)
/// are maps from the name to the entry.
struct settings {
  /// [node].
  node_settings node;
  /// [cluster].
  cluster_settings cluster;
  /// [metrics].
  metrics_settings metrics;
  /// [api].
  api_settings api;
  /// [admission].
  admission_settings admission;
  /// [governor]; absent keys derive from admission.global_cap.
  governor_settings governor;
  /// [tiers.<name>]. Default none.
  std::map<std::string, tier_settings> tiers;
  /// [tenants.<name>]. Default none.
  std::map<std::string, tenant_settings> tenants;
  /// [[priorities]], highest first; 1 to 16 classes. Default: interactive
  /// then batch, neither reserving anything (an absolute reservation cannot
  /// follow global_cap; the shipped file reserves slots for interactive).
  std::vector<priority_settings> priorities{{"interactive", 0}, {"batch", 0}};
  /// [providers.<name>]. Default none.
  std::map<std::string, provider_settings> providers;
  /// [tools.<name>]. Default none.
  std::map<std::string, tool_settings> tools;
  /// [mcp_servers.<name>]. Default none.
  std::map<std::string, mcp_server_settings> mcp_servers;
  /// [agents.<name>]. Default none.
  std::map<std::string, agent_settings> agents;
  /// [sessions].
  session_settings sessions;
  /// [storage].
  storage_settings storage;

  /// Name of the class that runs without an explicit priority get:
  /// admission.default_priority, or the lowest class when that is empty.
  [[nodiscard]] std::string default_priority() const;
};

} // namespace warden::config
