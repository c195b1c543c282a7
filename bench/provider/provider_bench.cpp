// warden-provider-bench: what Warden adds to a model call. The same
// chat-completions calls, against the same local server answering after a
// fixed latency (bench/provider/latency_server.hpp), made
//   direct   by net::http_client alone, as a minimal Beast client would, and
//   warden   as runs of a node started with start_node (in-memory storage):
//            admission -> agent pool -> session -> governor -> provider ->
//            the same HTTP client, one model call per run,
// closed loop at each concurrency (default 1 and 256), direct and warden
// alternating (--calls at concurrency 256 and up, 100 per unit of
// concurrency below, at least 500). Reports per-call latency p50/p99,
// calls/s, and the added
// latency (warden - direct) as one JSON object on stdout.
//
// usage: warden-provider-bench [--calls N] [--latency-ms N]
//                              [--concurrency A,B,...] [--rounds N]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <prometheus/registry.h>

#include "actors/dependencies/tool_registry.hpp"
#include "actors/node/start.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "config/validate.hpp"
#include "net/http_client.hpp"

#include "bench/closed_loop.hpp"
#include "bench/node_loop.hpp"
#include "bench/provider/latency_server.hpp"

using namespace warden;
using namespace warden::bench;

namespace {

struct options {
  std::uint64_t calls = 20'000;
  std::uint64_t latency_ms = 20;
  std::vector<std::uint32_t> concurrency{1, 256};
  std::uint32_t rounds = 2;
};

// -- direct -----------------------------------------------------------------

/// `calls` calls through `client`, `concurrency` at a time.
figures run_direct(net::http_client& client, const net::url& origin,
                   std::uint64_t calls, std::uint32_t concurrency) {
  struct loop {
    net::http_client* client = nullptr;
    net::url origin;
    std::atomic<std::uint64_t> left{0};
    std::atomic<std::uint32_t> outstanding{0};
    std::mutex mutex;
    figures result;
    countdown done;

    void next() {
      if (left.fetch_sub(1) == 0) {
        left = 0;
        if (outstanding.fetch_sub(1) == 1)
          done.finished();
        return;
      }
      net::client_request request;
      request.verb = net::method::post;
      request.target = origin.target("/chat/completions");
      request.headers = {{"Content-Type", "application/json"}};
      request.body =
          R"({"model":"bench-model","messages":[{"role":"user","content":"question"}]})";
      request.timeout = std::chrono::seconds{10};
      auto start = clock_type::now();
      net::response_handlers handlers;
      handlers.on_done = [this, start](std::optional<net::client_failure> f) {
        auto took = micros(clock_type::now() - start);
        {
          std::lock_guard<std::mutex> guard{mutex};
          if (f)
            ++result.failed;
          else
            result.latency_us.push_back(took);
        }
        next();
      };
      client->send(origin, {}, std::move(request), std::move(handlers));
    }
  };
  loop state;
  state.client = &client;
  state.origin = origin;
  state.left = calls;
  state.result.latency_us.reserve(calls);
  state.outstanding = concurrency;
  auto cpu = process_cpu_seconds();
  auto start = clock_type::now();
  for (std::uint32_t i = 0; i < concurrency; ++i)
    state.next();
  state.done.wait();
  state.result.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  state.result.cpu_seconds = process_cpu_seconds() - cpu;
  return std::move(state.result);
}

// -- through warden
// -------------------------------------------------------------

config::settings node_settings(const std::string& endpoint,
                               std::uint32_t max_concurrency) {
  config::settings s;
  s.node.name = "provider-bench";
  s.admission.global_cap = max_concurrency * 2;
  s.admission.global_queue_cap = 65'536;
  config::tier_settings tier;
  tier.in_flight_cap = max_concurrency * 2;
  tier.queue_cap = 65'536;
  s.tiers["pro"] = tier;
  s.tenants["acme"].tier = "pro";
  config::provider_settings provider;
  provider.kind = config::provider_kind::openai;
  provider.endpoint = endpoint;
  provider.stream = false;
  provider.timeout_ms = 10'000;
  provider.max_connections = max_concurrency;
  provider.retry.max_attempts = 1;
  s.providers["llm"] = provider;
  config::agent_settings agent;
  agent.provider = "llm";
  agent.model = "bench-model";
  agent.max_concurrency = max_concurrency * 2;
  agent.turn_timeout_ms = 60'000;
  s.agents["assistant"] = agent;
  return s;
}

bool parse(int argc, char** argv, options& opts) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return false;
    std::string value = argv[++i];
    if (arg == "--calls")
      opts.calls = std::stoull(value);
    else if (arg == "--latency-ms")
      opts.latency_ms = std::stoull(value);
    else if (arg == "--rounds")
      opts.rounds = static_cast<std::uint32_t>(std::stoul(value));
    else if (arg == "--concurrency") {
      opts.concurrency.clear();
      std::stringstream list{value};
      for (std::string item; std::getline(list, item, ',');)
        opts.concurrency.push_back(
            static_cast<std::uint32_t>(std::stoul(item)));
    } else
      return false;
  }
  return opts.calls > 0 && opts.rounds > 0 && !opts.concurrency.empty();
}

void print(std::ostream& out, const char* name, const figures& x) {
  out << '"' << name << "\":{\"p50_us\":" << x.percentile(0.50)
      << ",\"p99_us\":" << x.percentile(0.99)
      << ",\"calls_per_s\":" << x.calls_per_second()
      << ",\"cpu_us_per_call\":" << x.cpu_us_per_call()
      << ",\"calls\":" << x.latency_us.size() << ",\"failed\":" << x.failed
      << '}';
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  try {
    if (!parse(argc, argv, opts))
      throw std::invalid_argument("bad arguments");
  } catch (const std::exception&) {
    std::cerr << "usage: warden-provider-bench [--calls N] [--latency-ms N] "
                 "[--concurrency A,B,...] [--rounds N]\n";
    return 2;
  }
  std::string error;
  auto server = bench::latency_server::start(
      std::chrono::milliseconds{opts.latency_ms}, error);
  if (!server) {
    std::cerr << "warden-provider-bench: " << error << '\n';
    return 1;
  }
  auto top =
      *std::max_element(opts.concurrency.begin(), opts.concurrency.end());
  auto settings = node_settings(server->base_url(), top);
  if (auto errors = config::validate(settings); !errors.empty()) {
    for (const auto& e : errors)
      std::cerr << e.to_string() << '\n';
    return 2;
  }
  prometheus::Registry registry;
  caf::actor_system_config cfg;
  add_message_types(cfg);
  configure_scheduler(cfg, settings.node);
  caf::actor_system sys{cfg};
  tool_registry tools;
  auto node = start_node(sys, settings, tools, &registry, node_storage{true});
  if (!node) {
    std::cerr << "warden-provider-bench: cannot start the node: "
              << error_reason(node.error()) << '\n';
    return 1;
  }
  net::client_options client_options;
  client_options.max_connections_per_origin = top;
  auto client = net::http_client::start(client_options, error);
  auto origin = net::parse_url(server->base_url(), error);
  if (!client || !origin) {
    std::cerr << "warden-provider-bench: " << error << '\n';
    return 1;
  }
  std::ostringstream out;
  out << "{\"latency_ms\":" << opts.latency_ms << ",\"levels\":[";
  bool first = true;
  for (auto c : opts.concurrency) {
    // A closed loop of one call at a time takes a latency per call: fewer
    // calls at low concurrency (at least 500), --calls at 256 and up.
    auto calls = std::clamp<std::uint64_t>(
        std::uint64_t{c} * 100, 500, std::max<std::uint64_t>(opts.calls, 500));
    // Warm both paths: connections, sessions, allocator.
    run_direct(*client, *origin, std::max<std::uint64_t>(calls / 10, c), c);
    run_submit_await(sys, node->node, std::max<std::uint64_t>(calls / 10, c),
                     c);
    for (std::uint32_t round = 0; round < opts.rounds; ++round) {
      std::cerr << "warden-provider-bench: concurrency " << c << ", round "
                << round + 1 << '\n';
      auto direct = run_direct(*client, *origin, calls, c);
      auto governed = run_submit_await(sys, node->node, calls, c);
      out << (first ? "" : ",") << "{\"concurrency\":" << c
          << ",\"round\":" << round + 1 << ",\"calls\":" << calls << ',';
      first = false;
      print(out, "direct", direct);
      out << ',';
      print(out, "warden", governed);
      out << ",\"added_p50_us\":"
          << governed.percentile(0.50) - direct.percentile(0.50)
          << ",\"added_p99_us\":"
          << governed.percentile(0.99) - direct.percentile(0.99)
          << ",\"added_cpu_us_per_call\":"
          << governed.cpu_us_per_call() - direct.cpu_us_per_call()
          << ",\"calls_per_s_ratio\":"
          << (direct.calls_per_second() > 0
                  ? governed.calls_per_second() / direct.calls_per_second()
                  : 0)
          << '}';
    }
  }
  out << "]}";
  std::cout << out.str() << std::endl;
  client->stop();
  stop_node(*node);
  return 0;
}
