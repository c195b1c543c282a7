// wardend: the Warden node daemon.
//
// Start-up order: command line -> configuration (every error listed, exit 2)
// -> signal mask -> data directory -> actor system -> metrics endpoint.
// Shutdown on SIGTERM/SIGINT runs in the reverse order.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "apps/exit_codes.hpp"
#include "apps/wardend/cli.hpp"
#include "apps/wardend/metrics_endpoint.hpp"
#include "config/load.hpp"

namespace {

using namespace warden;

/// Blocks SIGTERM and SIGINT in this thread and so in every thread started
/// after it; the main thread then takes them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

std::size_t scheduler_threads(const config::node_settings& node) {
  if (node.scheduler_threads > 0)
    return node.scheduler_threads;
  auto cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
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

int run_node(const config::settings& settings) {
  auto signals = block_shutdown_signals();
  std::error_code ec;
  std::filesystem::create_directories(settings.node.data_dir, ec);
  if (ec) {
    std::cerr << "wardend: cannot create data directory "
              << settings.node.data_dir << ": " << ec.message() << '\n';
    return apps::exit_failure;
  }
  caf::actor_system_config cfg;
  auto threads = scheduler_threads(settings.node);
  cfg.set("scheduler.max-threads", threads);
  caf::actor_system system{cfg};
  std::string error;
  auto metrics = apps::metrics_endpoint::start(settings.metrics.listen, error);
  if (!metrics) {
    std::cerr << "wardend: " << error << '\n';
    return apps::exit_failure;
  }
  register_node_metrics(metrics->registry(), settings);
  std::cout << "wardend: node " << settings.node.name << " up (" << threads
            << " scheduler threads, data in " << settings.node.data_dir << ")\n"
            << "wardend: metrics on http://" << settings.metrics.listen.host
            << ':' << metrics->port() << "/metrics\n"
            << "wardend: send SIGTERM or press Ctrl-C to stop" << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  std::cout << "wardend: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << " received, shutting down" << std::endl;
  metrics.reset();
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
    std::cout << "ok\n";
    return apps::exit_ok;
  }
  auto rc = run_node(loaded.value);
  if (rc == apps::exit_ok)
    std::cout << "wardend: stopped" << std::endl;
  return rc;
}
