// The standard workload (DESIGN.md: 1,000 tenants in three tiers, 10
// agents, runs of 4 governed steps, scripted provider with zero latency) on
// one node and on a cluster of three, in one process and one sitting. Each
// node is a real node in memory in an actor system of its own (2 scheduler
// threads, as on a machine of its own); the client is another actor system
// and reaches the nodes through CAF's middleman over loopback (plain BASP,
// no TLS) in both phases, so the difference is the cluster: placement,
// forwarding to the owner, and tenants' caps leased across members. The
// client keeps --window runs outstanding (submit_run then await_run, each
// to a node in turn: on the cluster, to every member alike, so about two of
// three requests are forwarded). CPU seconds per run come from the
// process's rusage over each phase (nodes and client together). One JSON
// object on stdout.
//
//   warden-cluster-load [--runs 20000] [--window 512] [--rounds 2]
//                       [--port-base 47400]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/cluster/start.hpp"
#include "actors/node/start.hpp"
#include "actors/protocol/messages.hpp"
#include "apps/tls/member_secret.hpp"

#include "bench/standard/workload.hpp"

namespace {

using namespace warden;
using clock_type = std::chrono::steady_clock;

struct options {
  std::uint64_t runs = 20'000;
  std::uint32_t window = 512;
  int rounds = 2;
  std::uint16_t port_base = 47400;
};

const std::string bench_secret(32, 's');

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(usage.ru_utime) + tv(usage.ru_stime);
}

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    int threads) {
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", threads);
  return cfg;
}

struct member {
  member() : sys(configure(cfg, 2)) {}
  caf::actor_system_config cfg;
  caf::actor_system sys;
  tool_registry tools;
  node_handle handle;
};

/// `count` nodes (1: a single node; more: a cluster), published on
/// consecutive ports from `port`.
std::vector<std::unique_ptr<member>> start_members(std::size_t count,
                                                   std::uint16_t port) {
  bench::workload_params params;
  auto base = bench::make_settings(params);
  std::vector<std::unique_ptr<member>> members;
  for (std::size_t i = 0; i < count; ++i) {
    auto settings = base;
    settings.node.name = "m" + std::to_string(i);
    settings.node.listen = {"127.0.0.1", static_cast<std::uint16_t>(port + i)};
    if (count > 1) {
      for (std::size_t j = 0; j < count; ++j)
        settings.cluster.nodes.push_back(
            {"m" + std::to_string(j),
             {"127.0.0.1", static_cast<std::uint16_t>(port + j)}});
      settings.cluster.heartbeat_interval_ms = 200;
      settings.cluster.failure_timeout_ms = 2000;
    }
    auto m = std::make_unique<member>();
    node_storage storage;
    storage.in_memory = true;
    auto node = start_node(m->sys, settings, m->tools, nullptr, storage);
    if (!node)
      return {};
    m->handle = std::move(*node);
    if (count > 1)
      start_cluster(
          m->sys, settings, m->handle,
          caf::actor_cast<caf::actor>(m->sys.middleman().actor_handle()),
          nullptr, [](const std::string& identity) {
            return tls::member_proof(bench_secret, identity);
          });
    if (!m->sys.middleman().publish(m->handle.entry, settings.node.listen.port,
                                    "127.0.0.1", true))
      return {};
    members.push_back(std::move(m));
  }
  return members;
}

/// What one phase measured.
struct phase_result {
  std::uint64_t runs = 0;
  std::uint64_t failed = 0;
  double seconds = 0;
  double cpu = 0;
};

/// The closed-loop client: `window` runs outstanding, each submitted to
/// the next entry and awaited through the same one.
struct client_state {
  std::vector<caf::actor> entries;
  std::uint64_t to_submit = 0;
  std::uint64_t submitted = 0;
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  std::uint32_t tenants = 1000;
  std::uint32_t agents = 10;
  caf::response_promise finished;
};

void submit_next(caf::stateful_actor<client_state>* self) {
  auto& st = self->state;
  if (st.submitted == st.to_submit)
    return;
  auto k = st.submitted++;
  auto entry = st.entries[k % st.entries.size()];
  submit_run msg{bench::tenant_name(static_cast<std::uint32_t>(k % st.tenants)),
                 bench::agent_name(static_cast<std::uint32_t>(k % st.agents)),
                 "standard",
                 "",
                 "",
                 0};
  auto tenant = msg.tenant;
  auto finish_one = [self](bool ok) {
    auto& s = self->state;
    ++s.done;
    if (!ok)
      ++s.failed;
    if (s.done == s.to_submit)
      s.finished.deliver(s.failed);
    else
      submit_next(self);
  };
  self->request(entry, std::chrono::seconds(60), std::move(msg))
      .then(
          [self, entry, tenant, finish_one](const run_ack& ack) {
            self->request(entry, std::chrono::seconds(60),
                          await_run{tenant, ack.run, 60'000})
                .then(
                    [finish_one](const run_status& s) {
                      finish_one(s.state == run_state::succeeded);
                    },
                    [finish_one](const caf::error&) { finish_one(false); });
          },
          [finish_one](const caf::error&) { finish_one(false); });
}

caf::behavior client(caf::stateful_actor<client_state>* self) {
  return {
      [self](std::vector<caf::actor> entries, std::uint64_t runs,
             std::uint32_t window) -> caf::result<std::uint64_t> {
        auto& st = self->state;
        st = client_state{};
        st.entries = std::move(entries);
        st.to_submit = runs;
        st.finished = self->make_response_promise();
        for (std::uint32_t i = 0; i < window; ++i)
          submit_next(self);
        return st.finished;
      },
  };
}

phase_result run_phase(caf::actor_system& sys,
                       const std::vector<caf::actor>& entries,
                       std::uint64_t runs, std::uint32_t window) {
  caf::scoped_actor self{sys};
  auto driver = sys.spawn(client);
  phase_result result;
  auto cpu0 = cpu_seconds();
  auto t0 = clock_type::now();
  self->request(driver, std::chrono::minutes(30), entries, runs, window)
      .receive([&](std::uint64_t failed) { result.failed = failed; },
               [&](const caf::error&) { result.failed = runs; });
  result.seconds =
      std::chrono::duration<double>(clock_type::now() - t0).count();
  result.cpu = cpu_seconds() - cpu0;
  result.runs = runs;
  self->send_exit(driver, caf::exit_reason::user_shutdown);
  return result;
}

nlohmann::json as_json(const phase_result& r) {
  auto per_s = r.seconds > 0 ? static_cast<double>(r.runs) / r.seconds : 0.0;
  return {{"runs", r.runs},
          {"failed", r.failed},
          {"seconds", r.seconds},
          {"runs_per_s", per_s},
          {"steps_per_s", 4 * per_s},
          {"cpu_us_per_run",
           r.runs > 0 ? r.cpu * 1e6 / static_cast<double>(r.runs) : 0.0}};
}

/// Starts `count` nodes, connects the client, warms up, and measures
/// `rounds` phases of `runs` runs.
nlohmann::json measure(std::size_t count, const options& opts,
                       std::uint16_t port) {
  auto members = start_members(count, port);
  if (members.empty())
    return {{"error", "cannot start the nodes"}};
  caf::actor_system_config client_cfg;
  caf::actor_system client_sys{configure(client_cfg, 1)};
  std::vector<caf::actor> entries;
  for (std::size_t i = 0; i < count; ++i) {
    auto entry = client_sys.middleman().remote_actor(
        "127.0.0.1", static_cast<std::uint16_t>(port + i));
    if (!entry)
      return {{"error", "cannot connect to the nodes"}};
    entries.push_back(*entry);
  }
  // The cluster forms and its caps' homes settle (one lease ttl after the
  // members last changed): warm up until runs go through every member.
  phase_result warm;
  for (int i = 0; i < 100; ++i) {
    warm = run_phase(client_sys, entries, 1000, opts.window);
    if (warm.failed == 0 && warm.seconds < 2)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto rounds = nlohmann::json::array();
  for (int r = 0; r < opts.rounds; ++r)
    rounds.push_back(
        as_json(run_phase(client_sys, entries, opts.runs, opts.window)));
  for (auto& m : members)
    stop_node(m->handle);
  return {{"nodes", count}, {"rounds", rounds}};
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--runs")
      opts.runs = std::stoull(argv[i + 1]);
    else if (arg == "--window")
      opts.window = static_cast<std::uint32_t>(std::stoul(argv[i + 1]));
    else if (arg == "--rounds")
      opts.rounds = std::stoi(argv[i + 1]);
    else if (arg == "--port-base")
      opts.port_base = static_cast<std::uint16_t>(std::stoul(argv[i + 1]));
    else {
      std::cerr << "usage: warden-cluster-load [--runs N] [--window W] "
                   "[--rounds R] [--port-base P]\n";
      return 2;
    }
  }
  auto one = measure(1, opts, opts.port_base);
  auto three =
      measure(3, opts, static_cast<std::uint16_t>(opts.port_base + 10));
  nlohmann::json out{
      {"bench", "cluster_load"},
      {"workload", "standard (DESIGN.md), in memory, closed loop"},
      {"window", opts.window},
      {"transport", "CAF BASP over loopback, no TLS; each node an actor "
                    "system of 2 scheduler threads, the client one of 1"},
      {"single", one},
      {"cluster", three}};
  std::cout << out.dump() << std::endl;
  return 0;
}
