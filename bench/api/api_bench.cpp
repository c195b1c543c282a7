// warden-api-bench: what the HTTP API costs a run. The same runs of the
// same scripted agent on one node (start_node, in-memory storage), made
//   actors  in process: submit_run, then await_run, from an actor;
//   http    through the API (api::add_routes on net::http_server, 2
//           threads, as wardend's [api] default), from net::http_client
//           over loopback: POST /v1/runs, then GET /v1/runs/{id}?wait=30s,
//   http_one_exchange  the same with POST /v1/runs?wait=30s alone,
// closed loop at --concurrency, alternating (--rounds), then the API
// paced open loop for the submit latency (POST -> 202): at half the
// in-process runs/s (the target's rate), and at half the API's own. One JSON
// object on stdout.
//
// usage: warden-api-bench [--runs N] [--concurrency N] [--rounds N]
//                         [--paced-seconds N] [--paced-rate N]
//                         [--api-threads N] [--tls 0|1]

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdlib.h>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "actors/dependencies/tool_registry.hpp"
#include "actors/node/start.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "apps/tls/certificates.hpp"
#include "config/validate.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

#include "api/keys.hpp"
#include "api/routes.hpp"
#include "bench/closed_loop.hpp"
#include "bench/node_loop.hpp"

using namespace warden;
using namespace warden::bench;

namespace {

constexpr const char* bench_key = "wk_bench-key";

struct options {
  std::uint64_t runs = 20'000;
  std::uint32_t concurrency = 64;
  std::uint32_t rounds = 3;
  std::uint32_t paced_seconds = 10;
  /// Runs/s of the paced loop; 0: half the in-process runs/s, then half
  /// the API's own.
  double paced_rate = 0;
  /// The API server's threads; 2 is [api] threads' default.
  std::uint32_t api_threads = 2;
  /// HTTPS (a certificate of a CA made for the run) instead of HTTP.
  bool tls = false;
};

/// A CA and a certificate for 127.0.0.1 it signed, as PEM files in a
/// folder of their own (removed with the object).
struct bench_pki {
  std::filesystem::path folder;
  std::string error;

  bench_pki() {
    char name[] = "/tmp/warden-api-bench-XXXXXX";
    if (::mkdtemp(name) == nullptr) {
      error = "cannot make a temporary folder";
      return;
    }
    folder = name;
    auto valid = tls::valid_for_days(1);
    auto ca = tls::make_authority("warden-api-bench CA", valid);
    if (!ca) {
      error = ca.error->to_string();
      return;
    }
    auto server =
        tls::issue_certificate(ca.value, tls::tls_role::node, "api", valid);
    if (!server) {
      error = server.error->to_string();
      return;
    }
    std::ofstream{ca_file()} << ca.value.certificate;
    std::ofstream{cert_file()} << server.value.certificate;
    std::ofstream{key_file()} << server.value.key;
  }

  ~bench_pki() {
    std::error_code ignored;
    if (!folder.empty())
      std::filesystem::remove_all(folder, ignored);
  }

  [[nodiscard]] std::string ca_file() const { return folder / "ca.pem"; }
  [[nodiscard]] std::string cert_file() const { return folder / "api.pem"; }
  [[nodiscard]] std::string key_file() const { return folder / "api.key"; }
};

// -- through the API ----------------------------------------------------------

/// Where the API listens, and how its certificate is checked (HTTPS).
struct api_target {
  net::url origin;
  net::tls_settings tls;
};

/// Runs through the API: each a POST, then a GET that waits for the end.
/// `submits` gets each POST's latency.
struct http_loop {
  net::http_client* client = nullptr;
  net::url origin;
  net::tls_settings tls;
  std::atomic<std::uint64_t> left{0};
  std::atomic<std::uint32_t> outstanding{0};
  std::mutex mutex;
  figures result;
  figures submits;
  countdown done;
  /// Open loop: no next run when one ends.
  bool paced = false;
  /// One exchange per run: POST /v1/runs?wait=30s answers with the run's
  /// end (a GET follows only if it did not end within the wait).
  bool one_exchange = false;

  net::client_request request(net::method verb, std::string target,
                              std::string body) {
    net::client_request r;
    r.verb = verb;
    r.target = origin.target(target);
    r.headers = {{"Authorization", std::string{"Bearer "} + bench_key}};
    if (!body.empty())
      r.headers.emplace_back("Content-Type", "application/json");
    r.body = std::move(body);
    r.timeout = std::chrono::seconds{60};
    return r;
  }

  void ended(clock_type::time_point start, bool ok) {
    auto took = micros(clock_type::now() - start);
    {
      std::lock_guard<std::mutex> guard{mutex};
      if (ok)
        result.latency_us.push_back(took);
      else
        ++result.failed;
    }
    if (!paced) {
      next();
    } else if (outstanding.fetch_sub(1) == 1 && left == 0) {
      done.finished();
    }
  }

  /// Starts one run; in a closed loop, ends the loop when none is left.
  void next() {
    if (!paced && left.fetch_sub(1) == 0) {
      left = 0;
      if (outstanding.fetch_sub(1) == 1)
        done.finished();
      return;
    }
    auto start = clock_type::now();
    auto body = std::make_shared<std::string>();
    net::response_handlers handlers;
    auto status = std::make_shared<unsigned>(0);
    handlers.on_head = [status](const net::response_head& head) {
      *status = head.status;
    };
    handlers.on_body = [body](std::string_view piece) { body->append(piece); };
    handlers.on_done = [this, start, body,
                        status](std::optional<net::client_failure> f) {
      if (!f && *status == 200)
        return ended(start, body->find("\"status\":\"succeeded\"") !=
                                std::string::npos);
      if (f || *status != 202)
        return ended(start, false);
      {
        std::lock_guard<std::mutex> guard{mutex};
        submits.latency_us.push_back(micros(clock_type::now() - start));
      }
      auto run = nlohmann::json::parse(*body, nullptr, false)
                     .value("run_id", std::uint64_t{0});
      await(run, start);
    };
    client->send(origin, tls,
                 request(net::method::post,
                         one_exchange ? "/v1/runs?wait=30s" : "/v1/runs",
                         R"({"agent":"assistant","input":"question"})"),
                 std::move(handlers));
  }

  void await(std::uint64_t run, clock_type::time_point start) {
    auto body = std::make_shared<std::string>();
    net::response_handlers handlers;
    handlers.on_body = [body](std::string_view piece) { body->append(piece); };
    handlers.on_done = [this, start,
                        body](std::optional<net::client_failure> f) {
      auto ok =
          !f && body->find("\"status\":\"succeeded\"") != std::string::npos;
      ended(start, ok);
    };
    client->send(origin, tls,
                 request(net::method::get,
                         "/v1/runs/" + std::to_string(run) + "?wait=30s", {}),
                 std::move(handlers));
  }
};

figures run_http(net::http_client& client, const api_target& target,
                 std::uint64_t runs, std::uint32_t concurrency,
                 figures* submits = nullptr, bool one_exchange = false) {
  http_loop loop;
  loop.one_exchange = one_exchange;
  loop.client = &client;
  loop.origin = target.origin;
  loop.tls = target.tls;
  loop.left = runs;
  loop.outstanding = concurrency;
  loop.result.latency_us.reserve(runs);
  auto cpu = process_cpu_seconds();
  auto start = clock_type::now();
  for (std::uint32_t i = 0; i < concurrency; ++i)
    loop.next();
  loop.done.wait();
  loop.result.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  loop.result.cpu_seconds = process_cpu_seconds() - cpu;
  if (submits != nullptr)
    *submits = std::move(loop.submits);
  return std::move(loop.result);
}

/// Runs through the API at `rate` per second for `seconds`, open loop;
/// returns the POST latencies (submits) and the whole runs.
std::pair<figures, figures> run_paced(net::http_client& client,
                                      const api_target& target, double rate,
                                      std::uint32_t seconds) {
  http_loop loop;
  loop.client = &client;
  loop.origin = target.origin;
  loop.tls = target.tls;
  loop.paced = true;
  auto total = static_cast<std::uint64_t>(rate * seconds);
  loop.left = total;
  auto start = clock_type::now();
  auto interval = std::chrono::duration<double>(1.0 / rate);
  for (std::uint64_t i = 0; i < total; ++i) {
    std::this_thread::sleep_until(
        start + std::chrono::duration_cast<clock_type::duration>(interval * i));
    loop.outstanding.fetch_add(1);
    if (i + 1 == total)
      loop.left = 0;
    loop.next();
  }
  loop.done.wait();
  loop.result.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  return {std::move(loop.submits), std::move(loop.result)};
}

config::settings node_settings(std::uint32_t concurrency) {
  config::settings s;
  s.node.name = "api-bench";
  s.admission.global_cap = concurrency * 4;
  s.admission.global_queue_cap = 1'000'000;
  config::tier_settings tier;
  tier.in_flight_cap = concurrency * 4;
  tier.queue_cap = 1'000'000;
  s.tiers["pro"] = tier;
  s.tenants["acme"].tier = "pro";
  config::provider_settings provider;
  provider.kind = config::provider_kind::scripted;
  s.providers["scripted"] = provider;
  config::agent_settings agent;
  agent.provider = "scripted";
  agent.max_concurrency = concurrency * 4;
  s.agents["assistant"] = agent;
  return s;
}

bool parse(int argc, char** argv, options& opts) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return false;
    auto value = std::stoull(argv[++i]);
    if (arg == "--runs")
      opts.runs = value;
    else if (arg == "--concurrency")
      opts.concurrency = static_cast<std::uint32_t>(value);
    else if (arg == "--rounds")
      opts.rounds = static_cast<std::uint32_t>(value);
    else if (arg == "--paced-seconds")
      opts.paced_seconds = static_cast<std::uint32_t>(value);
    else if (arg == "--paced-rate")
      opts.paced_rate = static_cast<double>(value);
    else if (arg == "--api-threads")
      opts.api_threads = static_cast<std::uint32_t>(value);
    else if (arg == "--tls")
      opts.tls = value != 0;
    else
      return false;
  }
  return opts.runs > 0 && opts.concurrency > 0 && opts.rounds > 0 &&
         opts.api_threads > 0;
}

void print(std::ostream& out, const char* name, const figures& x) {
  out << '"' << name << "\":{\"p50_us\":" << x.percentile(0.50)
      << ",\"p99_us\":" << x.percentile(0.99)
      << ",\"runs_per_s\":" << x.calls_per_second()
      << ",\"cpu_us_per_run\":" << x.cpu_us_per_call()
      << ",\"runs\":" << x.latency_us.size() << ",\"failed\":" << x.failed
      << '}';
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  try {
    if (!parse(argc, argv, opts))
      throw std::invalid_argument("bad arguments");
  } catch (const std::exception&) {
    std::cerr << "usage: warden-api-bench [--runs N] [--concurrency N] "
                 "[--rounds N] [--paced-seconds N] [--paced-rate N] "
                 "[--api-threads N] [--tls 0|1]\n";
    return 2;
  }
  auto settings = node_settings(opts.concurrency);
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
    std::cerr << "warden-api-bench: cannot start the node: "
              << error_reason(node.error()) << '\n';
    return 1;
  }
  auto ctx = std::make_shared<api::api_context>();
  ctx->system = &sys;
  ctx->node = node->node;
  auto keys =
      std::make_shared<const api::key_table>(std::vector<api::key_entry>{
          {"bench", "acme", false, api::sha256(bench_key)}});
  ctx->keys = [keys] { return keys; };
  ctx->agents = {"assistant"};
  net::router routes;
  if (!api::add_routes(routes, ctx)) {
    std::cerr << "warden-api-bench: cannot route\n";
    return 1;
  }
  net::server_options server_options;
  server_options.threads = opts.api_threads;
  std::optional<bench_pki> pki;
  if (opts.tls) {
    pki.emplace();
    if (!pki->error.empty()) {
      std::cerr << "warden-api-bench: " << pki->error << '\n';
      return 1;
    }
    server_options.tls.cert_file = pki->cert_file();
    server_options.tls.key_file = pki->key_file();
  }
  server_options.max_connections = 65'536;
  std::string error;
  auto server =
      net::http_server::start(server_options, std::move(routes), error);
  net::client_options client_options;
  client_options.max_connections_per_origin = 4 * opts.concurrency;
  client_options.max_waiting = 1'000'000;
  auto client = net::http_client::start(client_options, error);
  auto origin = net::parse_url(
      std::string{opts.tls ? "https" : "http"} +
          "://127.0.0.1:" + std::to_string(server ? server->port() : 0),
      error);
  if (!server || !client || !origin) {
    std::cerr << "warden-api-bench: " << error << '\n';
    return 1;
  }
  api_target target{*origin, {}};
  if (pki)
    target.tls.ca_file = pki->ca_file();
  std::ostringstream out;
  out << "{\"concurrency\":" << opts.concurrency
      << ",\"tls\":" << (opts.tls ? "true" : "false") << ",\"rounds\":[";
  // Warm both paths: connections, sessions, allocator.
  auto warm = std::max<std::uint64_t>(opts.runs / 10, opts.concurrency);
  run_submit_await(sys, node->node, warm, opts.concurrency);
  run_http(*client, target, warm, opts.concurrency);
  std::vector<double> in_process_rates;
  std::vector<double> http_rates;
  for (std::uint32_t round = 0; round < opts.rounds; ++round) {
    std::cerr << "warden-api-bench: round " << round + 1 << '\n';
    auto actors =
        run_submit_await(sys, node->node, opts.runs, opts.concurrency);
    figures submits;
    auto http =
        run_http(*client, target, opts.runs, opts.concurrency, &submits);
    auto waited =
        run_http(*client, target, opts.runs, opts.concurrency, nullptr, true);
    in_process_rates.push_back(actors.calls_per_second());
    http_rates.push_back(http.calls_per_second());
    out << (round == 0 ? "" : ",") << "{\"round\":" << round + 1 << ',';
    print(out, "actors", actors);
    out << ',';
    print(out, "http", http);
    out << ',';
    print(out, "http_one_exchange", waited);
    out << ",\"one_exchange_ratio\":"
        << (actors.calls_per_second() > 0
                ? waited.calls_per_second() / actors.calls_per_second()
                : 0);
    out << ",\"http_submit_p50_us\":" << submits.percentile(0.5)
        << ",\"http_submit_p99_us\":" << submits.percentile(0.99)
        << ",\"runs_per_s_ratio\":"
        << (actors.calls_per_second() > 0
                ? http.calls_per_second() / actors.calls_per_second()
                : 0)
        << '}';
  }
  // The target's rate (half the in-process runs/s), and half of what the
  // API itself carried: the submit latency at a load it can sustain.
  auto median = [](std::vector<double> xs) {
    std::sort(xs.begin(), xs.end());
    return xs[xs.size() / 2];
  };
  out << "],\"paced\":[";
  bool first = true;
  std::vector<double> rates{median(in_process_rates) / 2,
                            median(http_rates) / 2};
  if (opts.paced_rate > 0)
    rates = {opts.paced_rate};
  for (auto rate : rates) {
    std::cerr << "warden-api-bench: paced at " << rate << " runs/s\n";
    auto [submits, runs] = run_paced(*client, target, rate, opts.paced_seconds);
    out << (first ? "" : ",") << "{\"rate_per_s\":" << rate
        << ",\"submit_p50_us\":" << submits.percentile(0.5)
        << ",\"submit_p99_us\":" << submits.percentile(0.99)
        << ",\"submit_p999_us\":" << submits.percentile(0.999)
        << ",\"run_p99_us\":" << runs.percentile(0.99)
        << ",\"runs\":" << runs.latency_us.size()
        << ",\"failed\":" << runs.failed << '}';
    first = false;
  }
  out << "]}";
  std::cout << out.str() << std::endl;
  client->stop();
  server->stop();
  stop_node(*node);
  return 0;
}
