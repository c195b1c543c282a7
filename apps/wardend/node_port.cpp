#include "apps/wardend/node_port.hpp"

#include <filesystem>
#include <ostream>
#include <sys/stat.h>

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "apps/exit_codes.hpp"
#include "apps/tls/check.hpp"
#include "apps/tls/private_pki.hpp"

namespace warden::apps {

namespace {

node_tls_outcome refuse(tls::tls_error error, int exit_code) {
  return {std::nullopt, std::move(error), exit_code};
}

tls::credential_labels configured_labels() {
  return {"node.tls_cert", "node.tls_key", "node.tls_ca_file"};
}

/// Checks credentials for the node port: loadable as CAF will, and a
/// certificate valid now.
tls::tls_result<tls::credential_facts>
check_node_files(const tls::credential_files& files,
                 const tls::credential_labels& labels) {
  auto facts = tls::check_credentials(files, tls::tls_role::node, labels);
  if (facts && !facts.value.current)
    return tls::tls_failure<tls::credential_facts>(
        labels.certificate + " " + files.certificate,
        "is not valid now (valid until " + facts.value.not_after +
            "): clients would refuse it");
  return facts;
}

/// Warns when a private key can be read by others than its owner.
void check_key_mode(const std::string& path, std::ostream& out) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    out << "wardend: WARNING: the node's private key " << path
        << " can be read by others than its owner (chmod 600 it)\n";
}

} // namespace

node_tls_outcome prepare_node_tls(const config::settings& settings,
                                  std::ostream& out) {
  const auto& node = settings.node;
  if (node.listen.is_off())
    return {};
  tls::credential_files files{node.tls_cert, node.tls_key, node.tls_ca_file};
  auto labels = configured_labels();
  // The validator lets the three keys come all together or not at all.
  if (!files.complete()) {
    auto dir = (std::filesystem::path{node.data_dir} / "tls").string();
    auto pki = tls::ensure_private_pki(dir, node.name);
    if (!pki)
      return refuse(*pki.error, exit_failure);
    files = pki.value.node;
    labels = {"node certificate", "node key", "node CA file"};
    if (pki.value.created)
      out << "wardend: created a private CA and TLS certificates in " << dir
          << ": ca.pem and ca.key (the CA), node.pem and node.key (this "
             "node), client.pem and client.key (for clients)\n";
    out << "wardend: clients connect with " << dir
        << "/{client.pem,client.key,ca.pem} (wardenctl --tls-dir " << dir
        << ")\n";
  }
  auto facts = check_node_files(files, labels);
  if (!facts)
    return refuse(*facts.error, exit_usage);
  if (facts.value.ends_soon)
    out << "wardend: WARNING: the node's certificate " << files.certificate
        << " expires on " << facts.value.not_after << '\n';
  check_key_mode(files.key, out);
  auto pinned = tls::pinned_credentials::pin(files);
  if (!pinned)
    return refuse(*pinned.error, exit_usage);
  // The copies are what CAF loads for every connection: they must load.
  if (auto again = tls::check_credentials(pinned.value.paths(),
                                          tls::tls_role::node, labels);
      !again)
    return refuse({"TLS credentials",
                   "changed while being read: " + again.error->message},
                  exit_failure);
  out << "wardend: node port takes mutual TLS only: node certificate "
      << facts.value.subject << " (valid until " << facts.value.not_after
      << "); clients need a certificate from " << files.ca << '\n';
  return {std::move(pinned.value), std::nullopt, exit_ok};
}

std::optional<tls::tls_error>
check_node_tls_files(const config::settings& settings) {
  const auto& node = settings.node;
  tls::credential_files files{node.tls_cert, node.tls_key, node.tls_ca_file};
  if (node.listen.is_off() || !files.complete())
    return std::nullopt;
  return check_node_files(files, configured_labels()).error;
}

void configure_peer_timeouts(caf::actor_system_config& cfg,
                             const config::node_settings& node) {
  if (node.peer_idle_timeout_ms == 0)
    return;
  auto timeout = std::chrono::duration_cast<caf::timespan>(
      std::chrono::milliseconds{node.peer_idle_timeout_ms});
  cfg.set("middleman.heartbeat-interval", timeout / 4);
  cfg.set("middleman.connection-timeout", timeout);
}

std::unique_ptr<tls::guarded_port>
guard_node_port(caf::actor_system& system, const config::node_settings& node,
                prometheus::Registry& registry) {
  auto& closed = prometheus::BuildCounter()
                     .Name("warden_node_port_handshakes_closed_total")
                     .Help("Connections to the node port closed before they "
                           "completed TLS, by reason (timeout: "
                           "node.tls_handshake_timeout_ms; cap: the oldest "
                           "when one more came than "
                           "node.max_pending_handshakes)")
                     .Register(registry);
  tls::handshake_events events;
  events.timed_out = [c = &closed.Add({{"reason", "timeout"}})] {
    c->Increment();
  };
  events.evicted = [c = &closed.Add({{"reason", "cap"}})] { c->Increment(); };
  tls::handshake_limits limits;
  limits.timeout = std::chrono::milliseconds{node.tls_handshake_timeout_ms};
  limits.max_pending = node.max_pending_handshakes;
  return std::make_unique<tls::guarded_port>(system, limits, std::move(events));
}

caf::expected<std::uint16_t> publish_node_port(tls::guarded_port& port,
                                               const caf::actor& node,
                                               const config::endpoint& listen) {
  return port.publish(node, listen.port, listen.host);
}

caf::expected<void> unpublish_node_port(const caf::actor& node,
                                        std::uint16_t port) {
  // caf::openssl::unpublish does not compile in 0.17.6 (it sends a message
  // the middleman actor does not take). Both middleman actors hand the port
  // to the same BASP broker, which closes whichever doorman has the port.
  return node.home_system().middleman().unpublish(node, port);
}

} // namespace warden::apps
