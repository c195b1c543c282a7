#include "bench/standard/pacer.hpp"

#include <caf/all.hpp>

#include "bench/standard/governed_client.hpp"

namespace warden::bench {

namespace {

using pacer_ptr = caf::stateful_actor<pacer_state>*;

/// Hands out a token for every run arrived by now, then ticks again.
void tick(pacer_ptr self) {
  auto& st = self->state;
  auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - st.start)
          .count();
  std::exponential_distribution<double> gap{st.cfg.rate};
  while (st.next_arrival <= elapsed && !st.cfg.slots.empty()) {
    self->send(st.cfg.slots[st.next], submit_token_atom::value);
    st.next = (st.next + 1) % st.cfg.slots.size();
    st.next_arrival += gap(st.random);
  }
  self->delayed_send(self, std::chrono::microseconds{200},
                     pace_tick_atom::value);
}

} // namespace

caf::behavior pacer(pacer_ptr self, pacer_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
      [self](go_atom) {
        self->state.start = std::chrono::steady_clock::now();
        self->state.random.seed(self->state.cfg.seed);
        tick(self);
      },
      [self](pace_tick_atom) { tick(self); },
  };
}

} // namespace warden::bench
