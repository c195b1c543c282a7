#include "apps/wardend/demo.hpp"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include <caf/all.hpp>
#include <prometheus/registry.h>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"

namespace warden::apps {

namespace {

using tick_atom = caf::atom_constant<caf::atom("demo_tick")>;
using report_atom = caf::atom_constant<caf::atom("demo_rep")>;

/// What the demo counts for one tenant.
struct tenant_progress {
  std::string tier;
  std::uint32_t queued = 0;
  std::uint32_t running = 0;
  std::map<run_state, std::uint32_t> finished;
  std::map<std::string, std::uint32_t> refused;
  /// Seconds from submission to success, for succeeded runs.
  std::vector<double> seconds;
};

struct demo_run {
  std::string tenant;
  run_state state = run_state::queued;
  caf::actor_clock::time_point submitted;
};

struct demo_state {
  static inline const char* name = "warden.demo";

  demo_options options;
  caf::actor node;
  prometheus::Registry* registry = nullptr;
  std::vector<std::string> tenants;
  std::map<std::string, tenant_progress> progress;
  std::map<run_id, demo_run> runs;
  std::size_t submitted = 0;
  std::size_t answered = 0;
  caf::actor_clock::time_point started;
  /// Breaker state per dependency, as /metrics shows it, and its changes.
  std::map<std::string, int> breakers;
  std::vector<std::string> breaker_log;
  /// Why runs did not succeed, over all tenants.
  std::map<std::string, std::uint32_t> failures;
};

using demo_actor = caf::stateful_actor<demo_state>;

const char* breaker_name(int state) {
  switch (state) {
  case 0:
    return "closed";
  case 1:
    return "open";
  case 2:
    return "half-open";
  }
  return "?";
}

double elapsed(demo_actor* self) {
  return std::chrono::duration<double>(self->clock().now() -
                                       self->state.started)
      .count();
}

/// Reads every breaker gauge from the registry that /metrics serves and
/// logs the changes.
void poll_breakers(demo_actor* self) {
  auto& st = self->state;
  for (const auto& family : st.registry->Collect()) {
    if (family.name != "warden_dependency_breaker_state")
      continue;
    for (const auto& metric : family.metric) {
      std::string name;
      for (const auto& label : metric.label)
        if (label.name == "dependency")
          name = label.value;
      auto value = static_cast<int>(metric.gauge.value);
      auto& known = st.breakers[name];
      if (known != value) {
        std::ostringstream line;
        line << std::fixed << std::setprecision(1) << elapsed(self) << "s "
             << name << ": " << breaker_name(known) << " -> "
             << breaker_name(value);
        st.breaker_log.push_back(line.str());
        known = value;
      }
    }
  }
}

void print_progress(demo_actor* self) {
  auto& st = self->state;
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << std::setw(5) << elapsed(self)
      << "s ";
  for (const auto& [tenant, p] : st.progress) {
    std::uint32_t done = 0;
    for (const auto& kv : p.finished)
      done += kv.second;
    out << "| " << tenant << " (" << p.tier << ") q " << p.queued << " r "
        << p.running << " done " << done << ' ';
  }
  out << "| breakers:";
  for (const auto& [name, value] : st.breakers)
    out << ' ' << name << '=' << breaker_name(value);
  std::cout << out.str() << std::endl;
}

double percentile(std::vector<double> xs, double q) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto index = static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1));
  return xs[index];
}

void print_summary(demo_actor* self) {
  auto& st = self->state;
  std::cout << "\ndemo summary after " << std::fixed << std::setprecision(1)
            << elapsed(self) << "s (" << st.submitted << " runs submitted)\n";
  for (const auto& [tenant, p] : st.progress) {
    std::cout << "  " << std::left << std::setw(10) << tenant << std::setw(11)
              << p.tier << std::right;
    for (const auto& [state, n] : p.finished)
      std::cout << ' ' << to_string(state) << ' ' << n;
    for (const auto& [reason, n] : p.refused)
      std::cout << " refused(" << reason << ") " << n;
    std::cout << std::setprecision(2) << "  success latency p50 "
              << percentile(p.seconds, 0.5) << "s p99 "
              << percentile(p.seconds, 0.99) << "s\n";
  }
  std::cout << "  breaker changes:";
  if (st.breaker_log.empty())
    std::cout << " none";
  std::cout << '\n';
  for (const auto& line : st.breaker_log)
    std::cout << "    " << line << '\n';
  if (!st.failures.empty())
    std::cout << "  why runs did not succeed:\n";
  for (const auto& [reason, n] : st.failures)
    std::cout << "    " << std::setw(4) << n << "  " << reason << '\n';
  std::cout << "wardend: demo done; the node keeps serving (metrics, "
               "wardenctl) until SIGTERM or Ctrl-C"
            << std::endl;
}

void on_state(demo_actor* self, run_id id, run_state state,
              const std::string& reason) {
  auto& st = self->state;
  auto i = st.runs.find(id);
  if (i == st.runs.end() || i->second.state == state ||
      is_final(i->second.state))
    return;
  auto& p = st.progress[i->second.tenant];
  auto count = [&](run_state s) -> std::uint32_t* {
    if (s == run_state::queued)
      return &p.queued;
    if (s == run_state::running)
      return &p.running;
    return nullptr;
  };
  if (auto old = count(i->second.state); old && *old > 0)
    --*old;
  i->second.state = state;
  if (auto now = count(state))
    ++*now;
  if (is_final(state)) {
    ++p.finished[state];
    if (state == run_state::succeeded)
      p.seconds.push_back(std::chrono::duration<double>(self->clock().now() -
                                                        i->second.submitted)
                              .count());
    else
      ++st.failures[reason.substr(0, 72)];
    ++st.answered;
  }
}

void submit_next(demo_actor* self) {
  auto& st = self->state;
  auto tenant = st.tenants[st.submitted % st.tenants.size()];
  // Two researchers (which fan out to summarizers) for each summarizer.
  auto agent = st.submitted % 3 == 2 ? "summarizer" : "researcher";
  auto priority = st.submitted % 4 == 3 ? "batch" : "interactive";
  auto input =
      "question " + std::to_string(st.submitted + 1) + " from " + tenant;
  ++st.submitted;
  auto submitted = self->clock().now();
  self->request(st.node, std::chrono::seconds{30},
                submit_run{tenant, agent, input, priority, {}})
      .then(
          [self, tenant, submitted](run_ack& ack) {
            auto& run = self->state.runs[ack.run];
            run.tenant = tenant;
            run.submitted = submitted;
            ++self->state.progress[tenant].queued;
            self->send(self->state.node, subscribe_run{tenant, ack.run, self});
          },
          [self, tenant](caf::error& err) {
            auto code = warden_code(err);
            ++self->state.progress[tenant]
                  .refused[code ? to_string(*code) : "transport"];
            ++self->state.answered;
          });
}

caf::behavior demo_driver(demo_actor* self, caf::actor node,
                          const config::settings* settings,
                          prometheus::Registry* registry,
                          demo_options options) {
  auto& st = self->state;
  st.node = std::move(node);
  st.registry = registry;
  st.options = options;
  for (const auto& [name, tenant] : settings->tenants) {
    st.tenants.push_back(name);
    st.progress[name].tier = tenant.tier;
  }
  st.started = self->clock().now();
  self->send(self, tick_atom::value);
  self->delayed_send(self, std::chrono::seconds{1}, report_atom::value);
  return {
      [self](tick_atom) {
        auto& s = self->state;
        if (s.submitted < s.options.runs && !s.tenants.empty()) {
          submit_next(self);
          self->delayed_send(self, s.options.spacing, tick_atom::value);
        }
      },
      [self](report_atom) {
        poll_breakers(self);
        print_progress(self);
        auto& s = self->state;
        if (s.submitted == s.options.runs && s.answered == s.options.runs) {
          print_summary(self);
          self->quit();
          return;
        }
        self->delayed_send(self, std::chrono::seconds{1}, report_atom::value);
      },
      [self](run_subscription& subscribed) {
        const auto& status = subscribed.status;
        on_state(self, status.run, status.state, status.reason);
      },
      [self](run_event& event) {
        on_state(self, event.run, event.state, event.detail);
      },
  };
}

} // namespace

caf::actor start_demo(caf::actor_system& sys, const caf::actor& node,
                      const config::settings& settings,
                      prometheus::Registry& registry, demo_options options) {
  std::cout << "wardend: demo: " << options.runs << " runs from "
            << settings.tenants.size()
            << " tenants; researchers fan out to summarizers; the provider "
               "goes through a bad phase that opens its breaker"
            << std::endl;
  return sys.spawn(demo_driver, node, &settings, &registry, options);
}

} // namespace warden::apps
