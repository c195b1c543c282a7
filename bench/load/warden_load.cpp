// warden-load: a load generator for a running wardend. It connects to the
// node's CAF port through mutual TLS (as wardenctl does, one long-lived
// connection), submits runs in phases (bench/load/load_driver.hpp), writes
// a CSV line of running totals every second and prints one JSON object per
// phase on stdout at the end. Used by scripts/soak.
//
//   warden-load --node 127.0.0.1:4242 --tls-dir var/tls --tenants 100
//               --agents agent-0,agent-1 --csv load.csv
//               --phase find:window=512:30 --phase fixed:x=0.7:1800
//               --phase overload:x=1.4:600
//
// --interactive-every N gives every N-th run of a tenant the priority
// "interactive" (the others the node's default). A phase is NAME:LOAD:SECONDS
// with LOAD one of rate=R (runs per second, open loop), x=F (F times the
// completions per second of the last closed phase before it) or window=W
// (closed loop, W runs outstanding). Exit 0 when every phase ran, 1 on a lost
// connection, 2 on bad usage.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/protocol/messages.hpp"
#include "apps/tls/caf_tls.hpp"
#include "apps/tls/pinned.hpp"

#include "bench/load/load_driver.hpp"

namespace {

using namespace warden;
using namespace warden::bench;

const char* usage =
    "usage: warden-load --node HOST:PORT --tls-dir DIR --csv FILE\n"
    "                   [--tenants N] [--tenant-prefix P] [--agents A,B]\n"
    "                   [--drain-seconds N] [--max-outstanding N]\n"
    "                   [--interactive-every N]\n"
    "                   --phase NAME:LOAD:SECONDS ...\n"
    "LOAD: rate=R (runs/s, open loop), x=F (F x the completions/s of the\n"
    "last closed phase), window=W (closed loop, W runs outstanding).\n";

struct load_args {
  std::string host;
  std::uint16_t port = 0;
  std::string tls_dir;
  std::string csv;
  std::uint32_t tenants = 100;
  std::string tenant_prefix = "soak-";
  std::vector<std::string> agents{"agent-0"};
  std::uint64_t drain_seconds = 30;
  std::uint64_t max_outstanding = 200'000;
  std::uint32_t interactive_every = 0;
  std::vector<load_phase> phases;
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in{text};
  for (std::string part; std::getline(in, part, sep);)
    out.push_back(part);
  return out;
}

bool parse_number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end != nullptr && *end == '\0' && out >= 0;
}

bool parse_phase(const std::string& text, load_phase& phase) {
  auto parts = split(text, ':');
  if (parts.size() != 3 || parts[0].empty())
    return false;
  phase.name = parts[0];
  auto eq = parts[1].find('=');
  double value = 0;
  double seconds = 0;
  if (eq == std::string::npos ||
      !parse_number(parts[1].substr(eq + 1), value) ||
      !parse_number(parts[2], seconds) || value <= 0)
    return false;
  auto kind = parts[1].substr(0, eq);
  if (kind == "rate")
    phase.rate = value;
  else if (kind == "x")
    phase.rate_of_found = value;
  else if (kind == "window")
    phase.window = static_cast<std::uint32_t>(value);
  else
    return false;
  phase.length =
      std::chrono::milliseconds{static_cast<std::int64_t>(seconds * 1'000)};
  return true;
}

bool parse_args(int argc, char** argv, load_args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return false;
    std::string value = argv[++i];
    double n = 0;
    if (arg == "--node") {
      auto colon = value.rfind(':');
      if (colon == std::string::npos ||
          !parse_number(value.substr(colon + 1), n) || n < 1 || n > 65535)
        return false;
      args.host = value.substr(0, colon);
      args.port = static_cast<std::uint16_t>(n);
    } else if (arg == "--tls-dir") {
      args.tls_dir = value;
    } else if (arg == "--csv") {
      args.csv = value;
    } else if (arg == "--tenants" && parse_number(value, n) && n >= 1) {
      args.tenants = static_cast<std::uint32_t>(n);
    } else if (arg == "--tenant-prefix") {
      args.tenant_prefix = value;
    } else if (arg == "--agents") {
      args.agents = split(value, ',');
    } else if (arg == "--drain-seconds" && parse_number(value, n)) {
      args.drain_seconds = static_cast<std::uint64_t>(n);
    } else if (arg == "--max-outstanding" && parse_number(value, n) && n >= 1) {
      args.max_outstanding = static_cast<std::uint64_t>(n);
    } else if (arg == "--interactive-every" && parse_number(value, n)) {
      args.interactive_every = static_cast<std::uint32_t>(n);
    } else if (arg == "--phase") {
      load_phase phase;
      if (!parse_phase(value, phase))
        return false;
      args.phases.push_back(phase);
    } else {
      return false;
    }
  }
  return args.port != 0 && !args.tls_dir.empty() && !args.csv.empty() &&
         !args.agents.empty() && !args.phases.empty();
}

std::string tenant_name(const std::string& prefix, std::uint32_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04u", i);
  return prefix + buf;
}

} // namespace

int main(int argc, char** argv) {
  load_args args;
  if (!parse_args(argc, argv, args)) {
    std::cerr << usage;
    return 2;
  }
  auto pinned =
      tls::pinned_credentials::pin(tls::client_files_in(args.tls_dir));
  if (!pinned) {
    std::cerr << "warden-load: " << pinned.error->to_string() << '\n';
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  if (!tls::use_mutual_tls(cfg, pinned.value.paths())) {
    std::cerr << "warden-load: incomplete TLS files in " << args.tls_dir
              << '\n';
    return 2;
  }
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  auto node = caf::openssl::remote_actor(sys, args.host, args.port);
  if (!node) {
    std::cerr << "warden-load: cannot reach " << args.host << ':' << args.port
              << ": " << sys.render(node.error()) << '\n';
    return 1;
  }
  load_driver_config driver;
  driver.node = *node;
  for (std::uint32_t i = 0; i < args.tenants; ++i)
    driver.tenants.push_back(tenant_name(args.tenant_prefix, i));
  driver.agents = args.agents;
  driver.interactive_every = args.interactive_every;
  driver.phases = args.phases;
  driver.drain = std::chrono::seconds{args.drain_seconds};
  driver.max_outstanding = args.max_outstanding;
  driver.csv_path = args.csv;
  bool complete = false;
  driver.on_done = [&](std::vector<load_tally>& tallies) {
    auto phases = nlohmann::json::array();
    for (auto& t : tallies)
      phases.push_back(t.to_json());
    // Every phase ended unless the connection was lost first.
    complete = !tallies.empty() && tallies.back().end_unix_ms != 0 &&
               tallies.back().reasons.count("node connection lost") == 0;
    std::cout
        << nlohmann::json{{"phases", phases}, {"complete", complete}}.dump(1)
        << std::endl;
  };
  sys.spawn(load_driver, std::move(driver));
  sys.await_all_actors_done();
  return complete ? 0 : 1;
}
