#include "bench/standard/governed_client.hpp"

#include <caf/all.hpp>

#include "actors/protocol/messages.hpp"

#include "bench/standard/pacer.hpp"
#include "bench/standard/workload.hpp"

namespace warden::bench {

namespace {

using client_ptr = caf::stateful_actor<governed_client_state>*;

void fill(client_ptr self) {
  auto& st = self->state;
  while (st.outstanding < st.cfg.window && (!st.cfg.paced || st.tokens > 0) &&
         st.cfg.tally->claim()) {
    if (st.cfg.paced)
      --st.tokens;
    auto n = st.submitted++;
    auto agent =
        static_cast<std::uint32_t>((st.cfg.first_agent + n) % st.cfg.agents);
    submit_run req;
    req.tenant = st.cfg.tenant;
    req.agent = agent_name(agent);
    req.input = "question " + std::to_string(n) + " from " + st.cfg.tenant;
    self->send(st.cfg.node, std::move(req));
    ++st.outstanding;
  }
}

void ended(client_ptr self, run_outcome outcome) {
  --self->state.outstanding;
  self->state.cfg.tally->finish(outcome);
  fill(self);
}

} // namespace

caf::behavior governed_client(client_ptr self, governed_client_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
      [self](go_atom) { fill(self); },
      [self](submit_token_atom) {
        ++self->state.tokens;
        fill(self);
      },
      [self](const run_ack& ack) {
        self->send(self->state.cfg.node,
                   await_run{self->state.cfg.tenant, ack.run});
      },
      [self](const run_status& status) {
        ended(self, status.state == run_state::succeeded
                        ? run_outcome::succeeded
                        : run_outcome::failed);
      },
      // A refused submission (or a failed await) arrives as an error.
      [self](caf::error&) { ended(self, run_outcome::refused); },
  };
}

} // namespace warden::bench
