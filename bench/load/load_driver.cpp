#include "bench/load/load_driver.hpp"

#include <cmath>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"

namespace warden::bench {

namespace {

using driver_ptr = caf::stateful_actor<load_driver_state>*;
using steady = std::chrono::steady_clock;

/// How often the driver checks for due arrivals: arrivals of one tick leave
/// together, so this bounds how bursty the fixed rate is.
constexpr std::chrono::milliseconds tick{5};

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(steady::time_point from) {
  return std::chrono::duration<double>(steady::now() - from).count();
}

void submit_one(driver_ptr self) {
  auto& st = self->state;
  auto& tally = st.tallies[st.phase];
  if (st.unacked + st.open.size() >= st.cfg.max_outstanding) {
    ++tally.not_sent;
    return;
  }
  auto n = st.next_tenant++;
  self->send(st.clients[n % st.clients.size()], load_submit_atom::value);
  ++tally.submitted;
  ++st.unacked;
}

void write_sample(driver_ptr self) {
  auto& st = self->state;
  load_tally sum;
  for (const auto& t : st.tallies) {
    sum.submitted += t.submitted;
    sum.acked += t.acked;
    sum.refused += t.refused;
    sum.shed += t.shed;
    sum.succeeded += t.succeeded;
    sum.failed += t.failed;
    sum.without_reason += t.without_reason;
    sum.not_sent += t.not_sent;
  }
  const auto& now = st.tallies[std::min(st.phase, st.tallies.size() - 1)];
  st.csv << unix_ms_now() << ','
         << (st.draining ? std::string{"drain"} : now.phase) << ',' << now.rate
         << ',' << sum.submitted << ',' << sum.acked << ',' << sum.refused
         << ',' << sum.shed << ',' << sum.succeeded << ',' << sum.failed << ','
         << sum.without_reason << ',' << sum.not_sent << ',' << st.unacked
         << ',' << st.open.size() << '\n';
  st.csv.flush();
}

/// Starts phase `st.phase`, fixing its rate.
void begin_phase(driver_ptr self) {
  auto& st = self->state;
  auto& phase = st.cfg.phases[st.phase];
  auto& tally = st.tallies[st.phase];
  tally.phase = phase.name;
  if (phase.window == 0)
    tally.rate = phase.rate_of_found > 0
                     ? std::floor(phase.rate_of_found * st.found_rate)
                     : phase.rate;
  tally.start_unix_ms = unix_ms_now();
  st.phase_start = steady::now();
  st.half_marked = false;
}

void finish(driver_ptr self) {
  auto& st = self->state;
  write_sample(self);
  if (st.cfg.on_done)
    st.cfg.on_done(st.tallies);
  // A normal exit does not end linked actors: end the clients explicitly.
  for (const auto& client : st.clients)
    self->send_exit(client, caf::exit_reason::user_shutdown);
  self->quit();
}

void on_tick(driver_ptr self) {
  auto& st = self->state;
  if (steady::now() - st.last_sample >= st.cfg.sample_every) {
    st.last_sample = steady::now();
    write_sample(self);
  }
  if (st.draining) {
    if ((st.unacked == 0 && st.open.empty()) ||
        steady::now() - st.drain_start >= st.cfg.drain) {
      finish(self);
      return;
    }
    self->delayed_send(self, tick, load_tick_atom::value);
    return;
  }
  const auto& phase = st.cfg.phases[st.phase];
  auto& tally = st.tallies[st.phase];
  auto elapsed = seconds_since(st.phase_start);
  auto length = std::chrono::duration<double>(phase.length).count();
  if (phase.window > 0 && !st.half_marked && elapsed >= length / 2) {
    st.half_marked = true;
    st.succeeded_at_half = tally.succeeded;
  }
  if (elapsed >= length) {
    tally.end_unix_ms = unix_ms_now();
    if (phase.window > 0 && length > 0)
      st.found_rate =
          static_cast<double>(tally.succeeded - st.succeeded_at_half) /
          (length / 2);
    if (++st.phase == st.cfg.phases.size()) {
      st.phase = st.cfg.phases.size() - 1;
      st.draining = true;
      st.drain_start = steady::now();
    } else {
      begin_phase(self);
    }
    self->delayed_send(self, tick, load_tick_atom::value);
    return;
  }
  if (phase.window > 0) {
    while (st.unacked + st.open.size() < phase.window)
      submit_one(self);
  } else {
    auto due = static_cast<std::uint64_t>(tally.rate * elapsed);
    while (tally.submitted + tally.not_sent < due)
      submit_one(self);
  }
  self->delayed_send(self, tick, load_tick_atom::value);
}

void on_status(driver_ptr self, const run_status& status) {
  auto& st = self->state;
  auto i = st.open.find(status.run);
  if (i == st.open.end())
    return;
  auto& tally = st.tallies[i->second.phase];
  if (tally.latencies_ms.size() < load_tally::max_latency_samples)
    tally.latencies_ms.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() -
                                                              i->second.acked)
            .count());
  st.open.erase(i);
  switch (status.state) {
  case run_state::succeeded:
    ++tally.succeeded;
    break;
  case run_state::shed:
    ++tally.shed;
    if (status.reason.empty())
      ++tally.without_reason;
    tally.count_reason("shed", status.reason);
    break;
  default:
    ++tally.failed;
    tally.count_reason(std::string{"ended "} + to_string(status.state),
                       status.reason);
  }
}

void on_error(driver_ptr self, const caf::error& err) {
  auto& st = self->state;
  auto& tally = st.tallies[st.phase];
  auto code = warden_code(err);
  auto reason = code ? error_reason(err) : std::string{};
  if (st.unacked == 0) {
    // Not a submission's answer: an await_run that failed.
    tally.count_reason("await failed: " + (code ? std::string{to_string(*code)}
                                                : self->system().render(err)),
                       reason);
    return;
  }
  --st.unacked;
  ++tally.refused;
  if (!code || reason.empty())
    ++tally.without_reason;
  tally.count_reason(code ? std::string{"refused "} + to_string(*code)
                          : "refused " + self->system().render(err),
                     reason);
}

/// A tenant's client: submits a run of its tenant per load_submit_atom
/// (agents round robin), asks for each acknowledged run's final status, and
/// passes every answer of the node on to the driver.
caf::behavior tenant_client(caf::event_based_actor* self, caf::actor driver,
                            caf::actor node, std::string tenant,
                            std::vector<std::string> agents,
                            std::uint32_t interactive_every) {
  auto submitted = std::make_shared<std::uint64_t>(0);
  // CAF 0.17 hands an error that arrives as a message (the node's answer to
  // a plain send it refused) to the error handler, never to the behaviour;
  // the default handler would end the actor.
  self->set_error_handler(
      [=](caf::error& err) { self->send(driver, std::move(err)); });
  return {
      [=](load_submit_atom) {
        auto n = (*submitted)++;
        auto interactive = interactive_every > 0 && n % interactive_every == 0;
        self->send(node, submit_run{tenant, agents[n % agents.size()],
                                    "soak question " + std::to_string(n) +
                                        " from " + tenant,
                                    interactive ? "interactive" : "", ""});
      },
      [=](run_ack& ack) {
        self->send(node, await_run{tenant, ack.run});
        self->send(driver, std::move(ack));
      },
      [=](run_status& status) { self->send(driver, std::move(status)); },
  };
}

} // namespace

caf::behavior load_driver(driver_ptr self, load_driver_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.tallies.resize(st.cfg.phases.size());
  st.csv.open(st.cfg.csv_path);
  st.csv << "unix_ms,phase,rate,submitted,acked,refused,shed,succeeded,"
            "failed,without_reason,not_sent,unacked,open\n";
  for (const auto& tenant : st.cfg.tenants)
    st.clients.push_back(self->spawn<caf::linked>(
        tenant_client, caf::actor{self}, st.cfg.node, tenant, st.cfg.agents,
        st.cfg.interactive_every));
  self->set_error_handler([self](caf::error& err) { on_error(self, err); });
  self->monitor(st.cfg.node);
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& tally = self->state.tallies[self->state.phase];
    tally.count_reason("node connection lost",
                       self->system().render(msg.reason));
    finish(self);
  });
  st.last_sample = steady::now();
  if (st.cfg.phases.empty()) {
    st.draining = true;
    st.drain_start = steady::now();
  } else {
    begin_phase(self);
  }
  self->send(self, load_tick_atom::value);
  return {
      [self](load_tick_atom) { on_tick(self); },
      [self](const run_ack& ack) {
        auto& state = self->state;
        if (state.unacked > 0)
          --state.unacked;
        ++state.tallies[state.phase].acked;
        state.open.emplace(
            ack.run, load_driver_state::open_run{state.phase, steady::now()});
      },
      [self](const run_status& status) { on_status(self, status); },
  };
}

} // namespace warden::bench
