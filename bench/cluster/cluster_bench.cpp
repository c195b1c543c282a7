// What forwarding costs: two members of a cluster (a and b, each a real
// node in memory with its router and membership actor) and a client, three
// actor systems in one process connected by CAF's middleman over loopback
// (plain BASP: no TLS, so the figure is the forwarding and not the
// ciphers). The client asks for the status of a run that b owns, directly
// from b (its owner) and through a (which forwards to b; b answers the
// client itself), in alternating blocks of one run, one request at a time.
// Then migrations per second: `--sessions` sessions are opened through a
// (spread over a and b by placement), and b is drained (drain_member):
// the time until its report, against the sessions it handed to a (export,
// import made durable on a, copy forgotten on b, one after another). With
// --data-dir the nodes keep their state in RocksDB there (each import is a
// synced write), else in memory. One JSON object on stdout.
//
//   warden-cluster-bench [--requests 4000] [--sessions 1000]
//                        [--data-dir DIR] [--port-base 47300]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/cluster/start.hpp"
#include "actors/node/start.hpp"
#include "actors/protocol/messages.hpp"
#include "apps/tls/member_secret.hpp"
#include "policies/placement.hpp"

namespace {

using namespace warden;
using clock_type = std::chrono::steady_clock;

struct options {
  std::size_t requests = 4000;
  std::size_t sessions = 1000;
  /// Empty: the nodes keep their state in memory.
  std::string data_dir;
  std::uint16_t port_base = 47300;
};

config::settings member_settings(const std::string& name,
                                 std::uint16_t port_base) {
  config::settings s;
  s.node.name = name;
  s.node.listen = {"127.0.0.1", static_cast<std::uint16_t>(
                                    port_base + (name == "a" ? 0 : 1))};
  s.cluster.nodes = {
      {"a", {"127.0.0.1", port_base}},
      {"b", {"127.0.0.1", static_cast<std::uint16_t>(port_base + 1)}}};
  s.cluster.heartbeat_interval_ms = 100;
  s.cluster.failure_timeout_ms = 1000;
  config::tier_settings tier;
  tier.in_flight_cap = 64;
  tier.queue_cap = 1000;
  s.tiers["pro"] = tier;
  s.tenants["acme"].tier = "pro";
  config::provider_settings provider;
  provider.kind = config::provider_kind::scripted;
  s.providers["scripted"] = provider;
  config::agent_settings agent;
  agent.provider = "scripted";
  s.agents["assistant"] = agent;
  return s;
}

struct member {
  explicit member(caf::actor_system_config& cfg) : sys(cfg) {}
  caf::actor_system sys;
  node_handle handle;
};

caf::actor_system_config& configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", 1);
  return cfg;
}

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(xs.size() - 1));
  return xs[i];
}

nlohmann::json summary(const std::vector<double>& micros) {
  double sum = 0;
  for (auto x : micros)
    sum += x;
  return {{"requests", micros.size()},
          {"p50_us", percentile(micros, 0.5)},
          {"p99_us", percentile(micros, 0.99)},
          {"mean_us",
           micros.empty() ? 0 : sum / static_cast<double>(micros.size())}};
}

/// The members' shared secret (wardend reads it from [cluster] secret_file).
const std::string bench_secret(32, 's');

} // namespace

int main(int argc, char** argv) {
  options opts;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--requests")
      opts.requests = std::stoul(argv[i + 1]);
    else if (arg == "--sessions")
      opts.sessions = std::stoul(argv[i + 1]);
    else if (arg == "--data-dir")
      opts.data_dir = argv[i + 1];
    else if (arg == "--port-base")
      opts.port_base = static_cast<std::uint16_t>(std::stoul(argv[i + 1]));
    else {
      std::cerr << "usage: warden-cluster-bench [--requests N] [--sessions N] "
                   "[--data-dir DIR] [--port-base P]\n";
      return 2;
    }
  }
  caf::actor_system_config cfg_a, cfg_b, cfg_c;
  std::vector<std::unique_ptr<member>> members;
  members.push_back(std::make_unique<member>(configure(cfg_a)));
  members.push_back(std::make_unique<member>(configure(cfg_b)));
  tool_registry tools;
  const char* names[] = {"a", "b"};
  for (std::size_t i = 0; i < 2; ++i) {
    auto& m = *members[i];
    auto settings = member_settings(names[i], opts.port_base);
    node_storage storage;
    storage.in_memory = opts.data_dir.empty();
    if (!storage.in_memory)
      settings.node.data_dir = opts.data_dir + "/" + names[i];
    auto node = start_node(m.sys, settings, tools, nullptr, storage);
    if (!node) {
      std::cerr << "cannot start node " << names[i] << '\n';
      return 1;
    }
    m.handle = std::move(*node);
    start_cluster(m.sys, settings, m.handle,
                  caf::actor_cast<caf::actor>(m.sys.middleman().actor_handle()),
                  nullptr, [](const std::string& identity) {
                    return tls::member_proof(bench_secret, identity);
                  });
    auto port = m.sys.middleman().publish(
        m.handle.entry, settings.node.listen.port, "127.0.0.1", true);
    if (!port) {
      std::cerr << "cannot publish " << names[i] << ": "
                << m.sys.render(port.error()) << '\n';
      return 1;
    }
  }
  caf::actor_system client{configure(cfg_c)};
  auto router_a = client.middleman().remote_actor("127.0.0.1", opts.port_base);
  auto router_b =
      client.middleman().remote_actor("127.0.0.1", opts.port_base + 1);
  if (!router_a || !router_b) {
    std::cerr << "cannot connect to the members\n";
    return 1;
  }
  caf::scoped_actor self{client};
  // Wait until a and b see each other, then find a run b owns.
  policies::placement placement{{"a", "b"}};
  run_id run = 0;
  // Sessions opened on b: what a drain of b moves.
  std::size_t on_b = 0;
  for (int attempt = 0; attempt < 200 && run == 0; ++attempt) {
    self->request(*router_b, std::chrono::seconds(5),
                  submit_run{"acme", "assistant", "hello", "", "", 0})
        .receive(
            [&](const run_ack& ack) {
              if (placement.owner(policies::slot_of(ack.run)) == 1u) {
                run = ack.run;
                ++on_b; // its session moves too
              }
            },
            [&](const caf::error&) {
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
            });
  }
  if (run == 0) {
    std::cerr << "no run placed on b\n";
    return 1;
  }
  self->request(*router_b, std::chrono::seconds(10),
                await_run{"acme", run, 5000})
      .receive([](const run_status&) {}, [](const caf::error&) {});
  std::vector<double> direct, forwarded;
  std::size_t failed = 0;
  auto ask = [&](const caf::actor& via, std::vector<double>& into) {
    auto start = clock_type::now();
    self->request(via, std::chrono::seconds(5), get_status{"acme", run})
        .receive(
            [&](const run_status&) {
              into.push_back(std::chrono::duration<double, std::micro>(
                                 clock_type::now() - start)
                                 .count());
            },
            [&](const caf::error&) { ++failed; });
  };
  // a forwards once it sees b up: wait for that (at most 10 s), warm up,
  // then alternate blocks of 100 so that drift hits both alike.
  std::vector<double> ignored;
  for (int i = 0; i < 1000 && ignored.empty(); ++i) {
    ask(*router_a, ignored);
    if (ignored.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int i = 0; i < 200; ++i) {
    ask(*router_b, ignored);
    ask(*router_a, ignored);
  }
  failed = 0;
  for (std::size_t done = 0; done < opts.requests; done += 100) {
    for (int i = 0; i < 100; ++i)
      ask(*router_b, direct);
    for (int i = 0; i < 100; ++i)
      ask(*router_a, forwarded);
  }
  auto d = summary(direct);
  auto f = summary(forwarded);
  // Migrations: sessions through a, then b drained onto a.
  std::size_t opened = 0;
  for (std::size_t i = 0; i < opts.sessions; ++i) {
    self->request(*router_a, std::chrono::seconds(10),
                  submit_run{"acme", "assistant", "hi", "", "", 0})
        .receive(
            [&](const run_ack& ack) {
              ++opened;
              if (placement.owner(policies::slot_of(ack.session)) == 1u)
                ++on_b;
              self->request(*router_a, std::chrono::seconds(10),
                            await_run{"acme", ack.run, 5000})
                  .receive([](const run_status&) {},
                           [&](const caf::error&) { ++failed; });
            },
            [&](const caf::error&) { ++failed; });
  }
  member_drain_report drained;
  auto drain_start = clock_type::now();
  self->request(*router_a, std::chrono::minutes(10), drain_member{"b", 600'000})
      .receive([&](member_drain_report& r) { drained = std::move(r); },
               [&](const caf::error& err) {
                 std::cerr << "drain failed: " << client.render(err) << '\n';
                 ++failed;
               });
  auto drain_s =
      std::chrono::duration<double>(clock_type::now() - drain_start).count();
  if (drained.remaining != 0 || drained.moved != on_b)
    ++failed;
  nlohmann::json out{
      {"bench", "cluster"},
      {"transport", "CAF BASP over loopback, no TLS, 3 actor systems in one "
                    "process (1 scheduler thread each)"},
      {"owner", d},
      {"non_owner", f},
      {"added_p50_us", f["p50_us"].get<double>() - d["p50_us"].get<double>()},
      {"added_p99_us", f["p99_us"].get<double>() - d["p99_us"].get<double>()},
      {"migration",
       {{"storage", opts.data_dir.empty() ? "memory" : "rocksdb"},
        {"sessions", opened},
        {"on_b", on_b},
        {"moved", drained.moved},
        {"remaining", drained.remaining},
        {"seconds", drain_s},
        {"per_second",
         drain_s > 0 ? static_cast<double>(drained.moved) / drain_s : 0.0}}},
      {"failed", failed}};
  std::cout << out.dump() << std::endl;
  self->send_exit(self, caf::exit_reason::normal);
  for (auto& m : members)
    stop_node(m->handle);
  return failed == 0 ? 0 : 1;
}
