#include "bench/standard/admission_probe.hpp"

#include <caf/all.hpp>

#include "actors/protocol/messages.hpp"

#include "bench/standard/measure.hpp"
#include "bench/standard/workload.hpp"

namespace warden::bench {

namespace {

/// Run ids of probes: far above the node's own ids.
constexpr std::uint64_t first_probe_run = std::uint64_t{1} << 60;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             wall_clock::now().time_since_epoch())
      .count();
}

} // namespace

caf::behavior echo_actor() {
  return {
      [](ping_atom, std::int64_t t) {
        return caf::make_message(pong_atom::value, t);
      },
  };
}

caf::behavior admission_probe(caf::stateful_actor<admission_probe_state>* self,
                              caf::actor admission, caf::actor echo,
                              std::chrono::microseconds interval,
                              probe_samples* out) {
  auto& init = self->state;
  init.admission = std::move(admission);
  init.echo = std::move(echo);
  init.interval = interval;
  init.out = out;
  init.next_run = first_probe_run;
  return {
      [self](probe_tick_atom) {
        auto& st = self->state;
        if (st.stopped)
          return;
        auto run = st.next_run++;
        auto t = now_ns();
        st.sent_at.emplace(run, t);
        self->send(st.admission, admit_run{run, probe_tenant, 0});
        self->send(st.echo, ping_atom::value, now_ns());
        self->delayed_send(self, st.interval, probe_tick_atom::value);
      },
      [self](const admission_verdict& verdict) {
        auto& st = self->state;
        auto i = st.sent_at.find(verdict.run);
        if (i == st.sent_at.end())
          return;
        switch (verdict.outcome) {
        case admission_outcome::queued:
          ++st.out->queued;
          return; // the admitted verdict follows
        case admission_outcome::admitted:
          st.out->admission_ns.push_back(now_ns() - i->second);
          self->send(st.admission, release_run{verdict.run});
          break;
        case admission_outcome::rejected:
        case admission_outcome::shed:
          ++st.out->refused;
          break;
        }
        st.sent_at.erase(i);
      },
      [self](pong_atom, std::int64_t t) {
        if (!self->state.stopped)
          self->state.out->baseline_ns.push_back(now_ns() - t);
      },
      [self](probe_stop_atom) {
        auto& st = self->state;
        st.stopped = true;
        // Probes still waiting are withdrawn; their samples are lost.
        for (auto& [run, t] : st.sent_at)
          self->send(st.admission, release_run{run});
        st.sent_at.clear();
      },
  };
}

} // namespace warden::bench
