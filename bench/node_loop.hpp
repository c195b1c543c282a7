#pragma once

#include <cstdint>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "bench/closed_loop.hpp"

namespace warden::bench {

/// `runs` runs of agent "assistant" for tenant "acme" (input "question") on
/// `node`, `concurrency` at a time, closed loop, each a submit_run and then
/// an await_run from one actor: a run's latency is from its submit to its
/// end; a run that does not succeed counts as failed.
figures run_submit_await(caf::actor_system& sys, const caf::actor& node,
                         std::uint64_t runs, std::uint32_t concurrency);

} // namespace warden::bench
