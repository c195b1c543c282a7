#include "bench/node_loop.hpp"

#include <caf/all.hpp>

#include "actors/protocol/messages.hpp"

namespace warden::bench {

namespace {

struct node_loop_state {
  static inline const char* name = "bench.node_loop";
  caf::actor node;
  std::uint64_t left = 0;
  std::uint32_t outstanding = 0;
  figures* result = nullptr;
  countdown* done = nullptr;
};

using loop_ptr = caf::stateful_actor<node_loop_state>*;

void submit_one(loop_ptr self);

void ended(loop_ptr self, clock_type::time_point start, bool ok) {
  auto& st = self->state;
  if (ok)
    st.result->latency_us.push_back(micros(clock_type::now() - start));
  else
    ++st.result->failed;
  --st.outstanding;
  submit_one(self);
  if (st.outstanding == 0 && st.left == 0)
    st.done->finished();
}

void submit_one(loop_ptr self) {
  auto& st = self->state;
  if (st.left == 0)
    return;
  --st.left;
  ++st.outstanding;
  auto start = clock_type::now();
  self->request(st.node, caf::infinite,
                submit_run{"acme", "assistant", "question", "", ""})
      .then(
          [self, start](run_ack& ack) {
            self->request(self->state.node, caf::infinite,
                          await_run{"acme", ack.run, 0})
                .then(
                    [self, start](run_status& status) {
                      ended(self, start, status.state == run_state::succeeded);
                    },
                    [self, start](caf::error&) { ended(self, start, false); });
          },
          [self, start](caf::error&) { ended(self, start, false); });
}

} // namespace

figures run_submit_await(caf::actor_system& sys, const caf::actor& node,
                         std::uint64_t runs, std::uint32_t concurrency) {
  figures result;
  result.latency_us.reserve(runs);
  countdown done;
  auto cpu = process_cpu_seconds();
  auto start = clock_type::now();
  auto loop = sys.spawn([&](loop_ptr self) -> caf::behavior {
    self->state.node = node;
    self->state.left = runs;
    self->state.result = &result;
    self->state.done = &done;
    for (std::uint32_t i = 0; i < concurrency; ++i)
      submit_one(self);
    return {[](caf::unit_t) {}};
  });
  done.wait();
  result.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  result.cpu_seconds = process_cpu_seconds() - cpu;
  caf::anon_send_exit(loop, caf::exit_reason::user_shutdown);
  return result;
}

} // namespace warden::bench
