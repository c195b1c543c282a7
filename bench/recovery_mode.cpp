#include "bench/recovery_mode.hpp"

#include <filesystem>
#include <iostream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <caf/all.hpp>
#include <prometheus/registry.h>

#include "actors/node/start.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"

#include "bench/standard/durable.hpp"
#include "bench/standard/measure.hpp"
#include "bench/standard/phases.hpp"

namespace warden::bench {

namespace {

/// The runs that became final so far (warden_runs_finished_total).
double finished_runs(prometheus::Registry& registry) {
  double total = 0;
  for (const auto& family : registry.Collect())
    if (family.name == "warden_runs_finished_total")
      for (const auto& metric : family.metric)
        total += metric.counter.value;
  return total;
}

/// Writes `text` and a newline to `fd` and ends the process at once: the
/// actor system is not stopped (a node with a million runs queued would take
/// long to stop, and the process only measured).
[[noreturn]] void emit_and_exit(int fd, std::string text) {
  text += '\n';
  auto written = write(fd, text.data(), text.size());
  _exit(written == static_cast<ssize_t>(text.size()) ? 0 : 1);
}

/// In a fresh process: starts a node on the crashed database under `dir`
/// (seeded with runs 1..`runs`), measures its recovery (see the header) and
/// writes the figures to `fd` as a JSON object.
[[noreturn]] void measure_recovery(config::settings settings,
                                   const std::string& dir, std::uint64_t runs,
                                   int fd) {
  json_object out;
  out.integer("runs", runs);
  prometheus::Registry registry;
  caf::actor_system_config cfg;
  add_message_types(cfg);
  configure_scheduler(cfg, settings.node);
  caf::actor_system sys{cfg};
  tool_registry tools;
  settings.node.data_dir = dir;
  auto start = wall_clock::now();
  auto cpu_start = process_cpu_seconds();
  auto since_start = [&] { return seconds_between(start, wall_clock::now()); };
  auto node = start_node(sys, settings, tools, &registry);
  if (!node) {
    out.string("error", "start_node: " + error_reason(node.error()));
    emit_and_exit(fd, out.str());
  }
  out.number("open_seconds", since_start());
  out.number("open_cpu_seconds", process_cpu_seconds() - cpu_start);
  caf::scoped_actor self{sys};
  constexpr auto bound = std::chrono::seconds{120};
  auto fail = [&](const std::string& what, const caf::error& err) {
    out.string("error", what + ": " + error_reason(err));
  };
  bool ok = false;
  // Seeded run n belongs to tenant n % 100 (bench/standard/durable.cpp).
  self->request(
          node->node, bound,
          get_status{tenant_name(static_cast<std::uint32_t>(runs % 100)), runs})
      .receive(
          [&](run_status& s) {
            out.number("resumed_seconds", since_start());
            // CPU time is less sensitive than wall time to other load on
            // a shared machine.
            out.number("resumed_cpu_seconds",
                       process_cpu_seconds() - cpu_start);
            out.string("last_run_state", to_string(s.state));
            out.string("last_run_reason", s.reason);
            // Queued behind the resume window, or already running when
            // the window holds every run.
            ok = s.state == run_state::queued || s.state == run_state::running;
          },
          [&](caf::error& err) { fail("status of the last run", err); });
  if (ok) {
    submit_run fresh{tenant_name(1), agent_name(0), "new work", "", ""};
    self->request(node->node, bound, std::move(fresh))
        .receive(
            [&](run_ack&) { out.number("accepting_seconds", since_start()); },
            [&](caf::error& err) {
              ok = false;
              fail("a new submission", err);
            });
  }
  if (ok) {
    self->request(node->node, bound, await_run{tenant_name(1), 1})
        .receive(
            [&](run_status& s) {
              out.number("first_resumed_final_seconds", since_start());
              out.string("first_resumed_state", to_string(s.state));
            },
            [&](caf::error& err) {
              ok = false;
              fail("the first resumed run", err);
            });
  }
  if (ok) {
    auto before = finished_runs(registry);
    std::this_thread::sleep_for(std::chrono::seconds{5});
    out.number("finished_in_next_5s", finished_runs(registry) - before);
  }
  out.integer("rss_bytes", resident_bytes());
  out.integer("peak_rss_bytes", peak_resident_bytes());
  out.boolean("complete", ok);
  emit_and_exit(fd, out.str());
}

/// Runs measure_recovery in a child process (so that its peak RSS is its
/// own) and returns what it printed; empty when the child failed.
std::string measure_in_child(const config::settings& settings,
                             const std::string& dir, std::uint64_t runs) {
  int fds[2];
  if (pipe(fds) != 0)
    return {};
  auto child = fork();
  if (child < 0)
    return {};
  if (child == 0) {
    close(fds[0]);
    measure_recovery(settings, dir, runs, fds[1]);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  return text;
}

} // namespace

int run_recovery(const workload_params& params, config::settings settings,
                 const std::function<void(const std::string&)>& progress) {
  namespace fs = std::filesystem;
  fs::path dir{params.recovery_dir};
  if (!recreate_directory(dir.string()))
    return 1;
  std::vector<std::uint64_t> sizes;
  if (params.recovery_baseline_runs > 0)
    sizes.push_back(params.recovery_baseline_runs);
  sizes.push_back(params.recovery_scale_runs);
  json_object out;
  out.string("benchmark", "warden-bench recovery at scale");
  out.number("target_seconds_1m", 10);
  bool measured = true;
  // This process starts no threads: both steps fork from it.
  for (auto runs : sizes) {
    auto db_dir = dir / std::to_string(runs);
    progress("seeding a crashed node with " + std::to_string(runs) +
             " unfinished runs");
    std::string error;
    auto seed_start = wall_clock::now();
    if (!seed_crashed_node((db_dir / "db").string(), runs, agent_name(0),
                           error)) {
      std::cerr << "warden-bench: " << error << '\n';
      return 1;
    }
    auto seed_seconds = seconds_between(seed_start, wall_clock::now());
    auto db_bytes = directory_bytes((db_dir / "db").string());
    progress("recovering " + std::to_string(runs) + " runs");
    auto figures = measure_in_child(settings, db_dir.string(), runs);
    if (figures.empty()) {
      std::cerr << "warden-bench: the recovery of " << runs
                << " runs measured nothing\n";
      measured = false;
      continue;
    }
    progress(figures);
    json_object one;
    one.number("seed_seconds", seed_seconds);
    one.integer("db_bytes_before", db_bytes);
    one.verbatim("recovery", figures);
    out.object("runs_" + std::to_string(runs), one);
  }
  out.object("machine", machine_json());
  std::cout << out.str() << std::endl;
  return measured ? 0 : 1;
}

} // namespace warden::bench
