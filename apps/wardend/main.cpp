// wardend: the Warden node daemon.
//
// Start-up order: command line -> configuration (every error listed, exit 2)
// -> open-file limit -> signal mask -> data directory -> metrics endpoint ->
// TLS credentials of the node port -> actor system -> node -> node port
// (under the fd watch) -> HTTP API.
// SIGHUP reloads the API keys from the configuration file.
// Shutdown on SIGTERM/SIGINT: a drain (the API still answers, /readyz says
// 503), then the reverse order.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "actors/cluster/start.hpp"
#include "actors/node/start.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "apps/exit_codes.hpp"
#include "apps/tls/caf_tls.hpp"
#include "apps/tls/member_secret.hpp"
#include "apps/wardend/api_endpoint.hpp"
#include "apps/wardend/cli.hpp"
#include "apps/wardend/demo.hpp"
#include "apps/wardend/metrics_endpoint.hpp"
#include "apps/wardend/node_listener.hpp"
#include "apps/wardend/node_port.hpp"
#include "config/load.hpp"

namespace {

using namespace warden;

/// Blocks SIGTERM, SIGINT and SIGHUP in this thread and so in every thread
/// started after it; the main thread then takes them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

/// Publishes the node's identity: warden_build_info and start time.
void register_node_metrics(prometheus::Registry& registry,
                           const config::settings& settings) {
  prometheus::BuildGauge()
      .Name("warden_build_info")
      .Help("Always 1; labels carry the version and node name")
      .Register(registry)
      .Add({{"version", WARDEN_VERSION}, {"node", settings.node.name}})
      .Set(1);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  prometheus::BuildGauge()
      .Name("warden_node_start_time_seconds")
      .Help("Start time of the node since the Unix epoch, in seconds")
      .Register(registry)
      .Add({})
      .Set(std::chrono::duration<double>(now).count());
}

/// Drains the node: new runs are refused, running turns get the node's drain
/// timeout, the rest are cancelled.
void drain(caf::actor_system& system, const caf::actor& node) {
  caf::scoped_actor self{system};
  self->request(node, std::chrono::minutes{5}, drain_node{})
      .receive(
          [](drain_report& report) {
            std::cout << "wardend: drained: " << report.finished
                      << " finished, " << report.cancelled << " cancelled"
                      << std::endl;
          },
          [&](caf::error& err) {
            std::cerr << "wardend: drain failed: " << system.render(err)
                      << std::endl;
          });
}

/// Leaves the cluster before the drain ([cluster] handoff_on_drain): this
/// member's sessions move to their slots' new owners, within the drain
/// timeout.
void hand_off(caf::actor_system& system, const caf::actor& entry,
              const config::settings& settings) {
  caf::scoped_actor self{system};
  std::chrono::milliseconds timeout{settings.node.drain_timeout_ms};
  self->request(entry, timeout + std::chrono::seconds{5},
                drain_member{settings.node.name,
                             static_cast<std::uint64_t>(timeout.count())})
      .receive(
          [](member_drain_report& report) {
            std::cout << "wardend: left the cluster: " << report.moved
                      << " sessions handed to other members, "
                      << report.remaining << " still here" << std::endl;
          },
          [&](caf::error& err) {
            std::cerr << "wardend: handing sessions to other members failed: "
                      << system.render(err) << std::endl;
          });
}

/// SIGHUP: reads the configuration file again and puts its [api.keys] in
/// force; a file with errors changes nothing. Other sections need a
/// restart.
/// SIGHUP: the API's keys from the file at `path`, and its certificate
/// from the files it started with. What does not load is reported and the
/// current one kept.
void reload_api(const std::string& path, apps::api_endpoint* api) {
  if (api == nullptr) {
    std::cout << "wardend: SIGHUP: the HTTP API is off; nothing to reload"
              << std::endl;
    return;
  }
  auto loaded = config::load_file(path);
  if (loaded.ok()) {
    api->reload_keys(loaded.value.api);
    std::cout << "wardend: SIGHUP: " << api->key_count()
              << " API keys in force (only [api.keys] and the API's "
                 "certificate are reloaded; other changes need a restart)"
              << std::endl;
  } else {
    for (const auto& e : loaded.errors)
      std::cerr << e.to_string() << '\n';
    std::cerr << "wardend: SIGHUP: " << path << " has errors; the API keys "
              << "in force are kept" << std::endl;
  }
  if (!api->secure())
    return;
  std::string error;
  if (api->reload_tls(error))
    std::cout << "wardend: SIGHUP: the API's certificate is reloaded"
              << std::endl;
  else
    std::cerr << "wardend: SIGHUP: " << error
              << "; the API's certificate in force is kept" << std::endl;
}

int run_node(const config::settings& settings,
             const apps::wardend_options& opts) {
  auto demo = opts.demo;
  // Before any thread opens a file.
  apps::raise_open_file_limit(std::cout);
  auto signals = block_shutdown_signals();
  std::error_code ec;
  std::filesystem::create_directories(settings.node.data_dir, ec);
  if (ec) {
    std::cerr << "wardend: cannot create data directory "
              << settings.node.data_dir << ": " << ec.message() << '\n';
    return apps::exit_failure;
  }
  // The metrics endpoint starts before the actor system so that it is
  // destroyed after it: actors hold metric handles until they are gone.
  std::string error;
  auto metrics = apps::metrics_endpoint::start(settings.metrics, error);
  if (!metrics) {
    std::cerr << "wardend: " << error << '\n';
    return apps::exit_failure;
  }
  register_node_metrics(metrics->registry(), settings);
  // Declared before the actor system, which reads the pinned files until it
  // is gone.
  auto port_tls = apps::prepare_node_tls(settings, std::cout);
  if (port_tls.error) {
    std::cerr << "wardend: " << port_tls.error->to_string() << '\n';
    return port_tls.exit_code;
  }
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  if (port_tls.credentials &&
      !tls::use_mutual_tls(cfg, port_tls.credentials->paths())) {
    std::cerr << "wardend: the node port's TLS credentials are incomplete\n";
    return apps::exit_failure;
  }
  add_message_types(cfg);
  configure_scheduler(cfg, settings.node);
  apps::configure_peer_timeouts(cfg, settings.node);
  auto threads = scheduler_threads_of(settings.node);
  caf::actor_system system{cfg};
  tool_registry tools; // wardend runs configured tools only
  node_storage storage;
  storage.unsafe_ack_before_write = opts.unsafe_ack_before_write;
  storage.accept_data_loss = opts.accept_data_loss;
  if (storage.accept_data_loss)
    std::cerr << "wardend: WARNING: --accept-data-loss: a damaged database "
                 "is opened with what is intact\n";
  if (storage.unsafe_ack_before_write)
    std::cerr << "wardend: WARNING: --unsafe-ack-before-write: acknowledged "
                 "runs can be lost on a crash (testing only)\n";
  // The cluster's secret, read before anything starts: a member that
  // cannot prove it belongs would only be refused by the others.
  tls::member_secret secret;
  if (settings.cluster.enabled()) {
    secret = tls::read_member_secret(settings.cluster.secret_file);
    if (!secret.secret) {
      std::cerr << "wardend: " << secret.error << '\n';
      return apps::exit_usage;
    }
  }
  auto node =
      start_node(system, settings, tools, &metrics->registry(), storage);
  if (!node) {
    std::cerr << "wardend: cannot start the node: "
              << error_reason(node.error()) << '\n';
    return apps::exit_failure;
  }
  const auto& listen = settings.node.listen;
  std::unique_ptr<tls::guarded_port> guarded;
  std::unique_ptr<apps::node_listener> port;
  if (!listen.is_off())
    guarded = apps::guard_node_port(system, settings.node, metrics->registry());
  if (settings.cluster.enabled()) {
    // Validation made the node port (mutual TLS) a cluster's requirement;
    // members connect to each other through its middleman, whose TLS
    // streams are wardend's own (apps/tls/detail/tls_servants.hpp).
    start_cluster(system, settings, *node, guarded->connector(),
                  &metrics->registry(),
                  [key = std::move(*secret.secret)](const std::string& text) {
                    return tls::member_proof(key, text);
                  });
    std::cout << "wardend: member " << settings.node.name << " of a cluster of "
              << settings.cluster.nodes.size() << " nodes" << std::endl;
  }
  if (!listen.is_off()) {
    apps::node_port_calls calls;
    calls.publish = [node = node->entry,
                     guard = guarded.get()](const config::endpoint& at) {
      return apps::publish_node_port(*guard, node, at);
    };
    calls.unpublish = [node = node->entry](std::uint16_t number) {
      return apps::unpublish_node_port(node, number);
    };
    port = apps::node_listener::open(system, std::move(calls), listen,
                                     metrics->registry(), error);
  }
  if (!listen.is_off() && !port) {
    std::cerr << "wardend: " << error << '\n';
    stop_node(*node);
    return apps::exit_failure;
  }
  std::unique_ptr<apps::api_endpoint> api;
  if (!settings.api.listen.is_off()) {
    api = apps::api_endpoint::start(settings, system, node->entry,
                                    node->mcp_servers, *metrics, error);
    if (!api) {
      std::cerr << "wardend: " << error << '\n';
      stop_node(*node);
      return apps::exit_failure;
    }
  }
  std::cout << "wardend: node " << settings.node.name << " up (" << threads
            << " scheduler threads, data in " << settings.node.data_dir
            << ")\n";
  if (listen.is_off())
    std::cout << "wardend: node port off (node.listen = \"\")\n";
  else
    std::cout << "wardend: node listening on " << listen.host << ':'
              << port->port() << " (mutual TLS)\n";
  std::cout << "wardend: metrics on http://" << settings.metrics.listen.host
            << ':' << metrics->port() << "/metrics\n";
  if (api)
    std::cout << "wardend: API on " << (api->secure() ? "https" : "http")
              << "://" << settings.api.listen.host << ':' << api->port() << " ("
              << api->key_count() << " keys)\n";
  else
    std::cout << "wardend: API off (api.listen = \"\")\n";
  std::cout << "wardend: send SIGTERM or press Ctrl-C to stop, SIGHUP to "
               "reload the API's keys and certificate"
            << std::endl;
  if (demo)
    apps::start_demo(system, node->entry, settings, metrics->registry(), {});
  int received = 0;
  for (;;) {
    sigwait(&signals, &received);
    if (received != SIGHUP)
      break;
    reload_api(opts.config_path, api.get());
  }
  std::cout << "wardend: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << " received, draining" << std::endl;
  if (settings.cluster.enabled() && settings.cluster.handoff_on_drain)
    hand_off(system, node->entry, settings);
  // Clients keep reading their runs' ends through the API while it drains.
  drain(system, node->node);
  if (api)
    api->stop();
  stop_node(*node);
  // `system` joins its scheduler threads when it goes out of scope.
  return apps::exit_ok;
}

} // namespace

int main(int argc, char** argv) {
  auto cli = apps::parse_wardend_cli(argc, argv);
  if (!cli.options)
    return cli.exit_code;
  auto loaded = config::load_file(cli.options->config_path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors)
      std::cerr << e.to_string() << '\n';
    std::cerr << "wardend: " << loaded.errors.size()
              << (loaded.errors.size() == 1 ? " error" : " errors") << " in "
              << cli.options->config_path << '\n';
    return apps::exit_usage;
  }
  if (cli.options->check_config) {
    if (auto tls_error = apps::check_node_tls_files(loaded.value)) {
      std::cerr << "wardend: " << tls_error->to_string() << '\n';
      return apps::exit_usage;
    }
    std::cout << "ok\n";
    return apps::exit_ok;
  }
  auto rc = run_node(loaded.value, *cli.options);
  if (rc == apps::exit_ok)
    std::cout << "wardend: stopped" << std::endl;
  return rc;
}
