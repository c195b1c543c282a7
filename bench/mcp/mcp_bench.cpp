// What Warden adds to an MCP tool call: the same `tools/call` of the same
// server (a real one, e.g. @modelcontextprotocol/server-everything's echo)
// made directly by a minimal client over the child's pipes, and through a
// node's MCP server actor and tool runner, in one run, with 1 and with
// `--concurrency` calls at once (as many processes). Also the resident
// memory of each idle server process, from /proc. One JSON object on
// stdout.
//
//   warden-mcp-bench --command node --arg <server-everything>/dist/index.js
//                    --arg stdio [--calls 2000] [--concurrency 4]

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/program_options.hpp>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/dependencies/command_tool.hpp"
#include "actors/dependencies/mcp/jsonrpc.hpp"
#include "actors/dependencies/mcp/mcp_tool.hpp"
#include "actors/dependencies/mcp/protocol.hpp"
#include "actors/dependencies/mcp/server.hpp"
#include "actors/dependencies/tool_runner.hpp"
#include "actors/protocol/messages.hpp"
#include "config/command_path.hpp"

namespace {

using namespace warden;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
namespace po = boost::program_options;

struct options {
  std::string command;
  std::vector<std::string> args;
  std::string tool = "echo";
  std::string arguments = R"({"message":"ping"})";
  std::size_t calls = 2000;
  std::size_t concurrency = 4;
};

/// Latencies of the calls of one phase, and its wall time.
struct phase_result {
  std::vector<double> micros;
  double seconds = 0;
};

json summary(phase_result r) {
  std::sort(r.micros.begin(), r.micros.end());
  auto at = [&](double q) {
    return r.micros.empty()
               ? 0.0
               : r.micros[static_cast<std::size_t>(
                     q * static_cast<double>(r.micros.size() - 1))];
  };
  return {
      {"calls", r.micros.size()},
      {"calls_per_second",
       r.seconds > 0 ? static_cast<double>(r.micros.size()) / r.seconds : 0.0},
      {"p50_us", at(0.5)},
      {"p99_us", at(0.99)}};
}

process::process_request launch_of(const options& opt) {
  process::process_request request;
  request.launch.path = opt.command;
  request.launch.args = opt.args;
  request.launch.environment = child_environment({});
  request.kill_grace = std::chrono::milliseconds{500};
  return request;
}

/// The baseline: a blocking MCP client over one child's pipes, on the same
/// process service (the same pipes and I/O thread as the node's).
class direct_client {
 public:
  direct_client(process::process_service& service, const options& opt)
      : service_(service), reader_(64 << 20) {
    process::child_listener listener;
    listener.on_output = [this](std::uint64_t, std::string_view bytes) {
      std::lock_guard<std::mutex> guard{lock_};
      reader_.feed(
          bytes, [this](std::string_view line) { lines_.emplace_back(line); });
      ready_.notify_all();
    };
    child_ = service_.open(launch_of(opt), std::move(listener),
                           [this](process::process_result) {
                             std::lock_guard<std::mutex> guard{lock_};
                             ended_ = true;
                             ready_.notify_all();
                           });
    ask("initialize", mcp::initialize_params("bench"));
    service_.write(
        child_, mcp::notification_text("notifications/initialized", nullptr));
  }

  // The child lives until the service stops: its listener refers to this
  // client, which must outlive the service's thread.

  /// Sends request `method` and waits for its answer.
  json ask(const std::string& method, const json& params) {
    auto id = ++next_id_;
    service_.write(child_, mcp::request_text(id, method, params));
    std::unique_lock<std::mutex> guard{lock_};
    for (;;) {
      ready_.wait(guard, [this] { return !lines_.empty() || ended_; });
      if (lines_.empty())
        throw std::runtime_error("the server ended");
      auto line = std::move(lines_.front());
      lines_.pop_front();
      auto msg = mcp::parse_message(line);
      if (auto* r = std::get_if<mcp::response>(&msg);
          r != nullptr && mcp::numeric_id(*r) == id)
        return r->result.value_or(json{});
    }
  }

 private:
  process::process_service& service_;
  std::uint64_t child_ = 0;
  std::uint64_t next_id_ = 0;
  std::mutex lock_;
  std::condition_variable ready_;
  mcp::line_reader reader_;
  std::deque<std::string> lines_;
  bool ended_ = false;
};

/// Runs `clients` threads, each making `per_client` calls with `call`.
template <class Client, class Call>
phase_result run_clients(std::vector<Client>& clients, std::size_t per_client,
                         Call call) {
  phase_result result;
  std::mutex lock;
  auto start = clock_type::now();
  std::vector<std::thread> threads;
  for (auto& client : clients)
    threads.emplace_back([&, c = &client] {
      std::vector<double> mine;
      for (std::size_t i = 0; i < per_client; ++i) {
        auto t0 = clock_type::now();
        call(*c);
        mine.push_back(
            std::chrono::duration<double, std::micro>(clock_type::now() - t0)
                .count());
      }
      std::lock_guard<std::mutex> guard{lock};
      result.micros.insert(result.micros.end(), mine.begin(), mine.end());
    });
  for (auto& t : threads)
    t.join();
  result.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  return result;
}

phase_result direct_phase(process::process_service& service, const options& opt,
                          std::size_t concurrency,
                          std::vector<std::unique_ptr<direct_client>>& keep) {
  std::vector<std::unique_ptr<direct_client>> clients;
  for (std::size_t i = 0; i < concurrency; ++i)
    clients.push_back(std::make_unique<direct_client>(service, opt));
  auto params = mcp::call_tool_params(opt.tool, json::parse(opt.arguments));
  for (auto& c : clients) // warm-up
    c->ask("tools/call", params);
  auto result = run_clients(
      clients, opt.calls / concurrency,
      [&](std::unique_ptr<direct_client>& c) { c->ask("tools/call", params); });
  for (auto& c : clients)
    keep.push_back(std::move(c));
  return result;
}

struct bench_config : caf::actor_system_config {
  bench_config() {
    warden::add_message_types(*this);
    set("scheduler.max-threads", 2);
  }
};

phase_result warden_phase(caf::actor_system& sys,
                          const std::shared_ptr<process::process_service>& svc,
                          const options& opt, std::size_t concurrency,
                          std::vector<caf::actor>& keep) {
  mcp::server_config cfg;
  cfg.name = "bench";
  cfg.settings.command = opt.command;
  cfg.settings.args = opt.args;
  cfg.settings.max_processes = static_cast<std::uint32_t>(concurrency);
  cfg.settings.idle_ttl_ms = 0;
  cfg.host = mcp::service_host(svc);
  cfg.client_version = "bench";
  auto server = mcp::spawn_mcp_server(sys, std::move(cfg));
  keep.push_back(server);
  tool_runner_config runner_cfg;
  runner_cfg.name = "bench__" + opt.tool;
  runner_cfg.settings.kind = config::tool_kind::mcp;
  runner_cfg.settings.side_effect = config::side_effect_kind::pure;
  runner_cfg.settings.timeout_ms = 30'000;
  runner_cfg.settings.breaker.minimum_calls = 1'000'000;
  runner_cfg.backend = std::make_shared<mcp::mcp_tool>(server, opt.tool);
  auto runner = spawn_tool_runner(sys, std::move(runner_cfg));
  keep.push_back(runner);
  std::uint64_t next_run = 0;
  std::mutex lock;
  auto call = [&](std::unique_ptr<caf::scoped_actor>& self) {
    tool_request request;
    {
      std::lock_guard<std::mutex> guard{lock};
      request.run = ++next_run;
    }
    request.session = request.run;
    request.step = 1;
    request.tool = "bench__" + opt.tool;
    request.arguments = opt.arguments;
    request.idempotency_key = std::to_string(request.run) + "/1/0";
    (*self)
        ->request(runner, caf::infinite, std::move(request))
        .receive([](tool_reply&) {},
                 [](caf::error& err) {
                   throw std::runtime_error("a call failed: " +
                                            caf::to_string(err));
                 });
  };
  std::vector<std::unique_ptr<caf::scoped_actor>> clients;
  for (std::size_t i = 0; i < concurrency; ++i)
    clients.push_back(std::make_unique<caf::scoped_actor>(sys));
  // Warm-up: every process started and initialized.
  {
    std::vector<std::thread> warm;
    for (auto& c : clients)
      warm.emplace_back([&, c = &c] { call(*c); });
    for (auto& t : warm)
      t.join();
  }
  return run_clients(clients, opt.calls / concurrency, call);
}

/// Resident kB of each child of this process whose command line has `mark`.
std::vector<std::uint64_t> children_rss_kb(const std::string& mark) {
  std::vector<std::uint64_t> out;
  auto self = std::to_string(::getpid());
  for (const auto& entry : std::filesystem::directory_iterator{"/proc"}) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream status{entry.path() / "status"};
    std::string line;
    std::string ppid;
    std::uint64_t rss = 0;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0)
        ppid = line.substr(line.find_first_not_of(" \t", 5));
      if (line.rfind("VmRSS:", 0) == 0)
        rss = std::stoull(line.substr(6));
    }
    std::ifstream cmdline{entry.path() / "cmdline"};
    std::string args{std::istreambuf_iterator<char>{cmdline}, {}};
    if (ppid == self && args.find(mark) != std::string::npos)
      out.push_back(rss);
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  po::options_description desc{"warden-mcp-bench options"};
  desc.add_options()("help,h", "print this help")(
      "command", po::value(&opt.command)->required(),
      "the MCP server's executable (looked up on PATH)")(
      "arg", po::value(&opt.args), "an argument of the server (repeat)")(
      "tool", po::value(&opt.tool), "the tool called (default echo)")(
      "arguments", po::value(&opt.arguments),
      "its JSON arguments (default {\"message\":\"ping\"})")(
      "calls", po::value(&opt.calls), "calls per phase (default 2000)")(
      "concurrency", po::value(&opt.concurrency),
      "calls at once in the concurrent phases, and processes (default 4)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << '\n';
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "warden-mcp-bench: " << e.what() << '\n';
    return 2;
  }
  auto resolved =
      config::resolve_command(opt.command, config::search_path_of_process());
  if (!resolved.problem.empty()) {
    std::cerr << "warden-mcp-bench: " << opt.command << " " << resolved.problem
              << '\n';
    return 2;
  }
  opt.command = resolved.path;
  opt.concurrency = std::max<std::size_t>(1, opt.concurrency);
  auto mark = opt.args.empty() ? opt.command : opt.args.front();
  json out;
  // Declared before the service, which stops (and ends their listeners)
  // before they go.
  std::vector<std::unique_ptr<direct_client>> direct_clients;
  try {
    auto service = std::make_shared<process::process_service>();
    bench_config cfg;
    caf::actor_system sys{cfg};
    std::vector<caf::actor> keep;
    for (auto c : {std::size_t{1}, opt.concurrency}) {
      auto direct = direct_phase(*service, opt, c, direct_clients);
      auto through = warden_phase(sys, service, opt, c, keep);
      auto d = summary(direct);
      auto w = summary(through);
      auto key = "concurrency_" + std::to_string(c);
      out[key] = {
          {"direct", d},
          {"warden", w},
          {"added_p50_us",
           w["p50_us"].get<double>() - d["p50_us"].get<double>()},
          {"ratio", w["calls_per_second"].get<double>() /
                        std::max(1e-9, d["calls_per_second"].get<double>())}};
    }
    // Idle now: every server process (the direct clients' and the node's)
    // waits for a call.
    auto rss = children_rss_kb(mark);
    std::uint64_t total = 0;
    for (auto kb : rss)
      total += kb;
    out["idle_processes"] = rss.size();
    out["rss_per_idle_process_kb"] = rss.empty() ? 0 : total / rss.size();
    for (auto& actor : keep)
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    service->stop();
  } catch (const std::exception& e) {
    std::cerr << "warden-mcp-bench: " << e.what() << '\n';
    return 1;
  }
  std::cout << out.dump() << '\n';
  return 0;
}
