#pragma once

// What implements a dependency: the interface between a dependency actor
// (provider, tool runner) and the thing it calls (scripted model, HTTP
// endpoint, tool callable). An attempt is started in the actor's context and
// its outcome comes back as a message, at once, later (latency, a worker
// thread, an HTTP response) or never (a hang; the actor's timeout ends it).

#include <cstdint>
#include <utility>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/send.hpp>

#include "actors/dependency_guard.hpp"
#include "actors/protocol.hpp"
#include "policies/clock.hpp"

namespace warden {

/// Identifies one attempt of one call of a dependency actor.
struct attempt_ticket {
  /// The dependency actor waiting for the outcome.
  caf::actor owner;
  /// The call, numbered by the owner.
  std::uint64_t call = 0;
  /// The attempt of the call, from 1.
  std::uint32_t attempt = 1;
};

/// An attempt answered (backend -> dependency actor). Local only: it never
/// crosses a process, so it is neither inspectable nor registered.
template <class Reply>
struct attempt_succeeded {
  std::uint64_t call = 0;
  std::uint32_t attempt = 1;
  Reply reply;
};

/// An attempt failed (backend -> dependency actor). Local only.
struct attempt_failed {
  std::uint64_t call = 0;
  std::uint32_t attempt = 1;
  attempt_failure failure;
};

} // namespace warden

// Attempt outcomes stay inside one process: CAF may carry them without
// serialization support.
namespace caf {
template <class Reply>
struct allowed_unsafe_message_type<warden::attempt_succeeded<Reply>>
    : std::true_type {};
} // namespace caf
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::attempt_failed)

namespace warden {

/// Reports the answer of the attempt `ticket` to its owner after `delay`
/// (zero: at once). Thread-safe; never blocks.
template <class Reply>
void report_success(const attempt_ticket& ticket, Reply reply,
                    policies::duration delay = policies::duration{0}) {
  attempt_succeeded<Reply> msg{ticket.call, ticket.attempt, std::move(reply)};
  if (delay > policies::duration{0})
    caf::delayed_anon_send(ticket.owner, delay, std::move(msg));
  else
    caf::anon_send(ticket.owner, std::move(msg));
}

/// Reports the failure of the attempt `ticket` to its owner after `delay`
/// (zero: at once). Thread-safe; never blocks.
inline void report_failure(const attempt_ticket& ticket,
                           attempt_failure failure,
                           policies::duration delay = policies::duration{0}) {
  attempt_failed msg{ticket.call, ticket.attempt, std::move(failure)};
  if (delay > policies::duration{0})
    caf::delayed_anon_send(ticket.owner, delay, std::move(msg));
  else
    caf::anon_send(ticket.owner, std::move(msg));
}

/// What implements a dependency that answers `Request` with `Reply`.
/// Implementations keep their own state (scripts, counters) and are called
/// only from their owner actor's context, so they need no locks; work that
/// runs elsewhere (a worker thread, an I/O loop) reports through
/// `report_success` / `report_failure`, which are thread-safe.
template <class Request, class Reply>
class dependency_backend {
 public:
  virtual ~dependency_backend() = default;

  /// Starts attempt `ticket` of `request`. The backend reports its outcome at
  /// most once, with `report_success` or `report_failure`; reporting nothing
  /// models a hang, which the owner's per-attempt timeout ends. Must not
  /// throw and must not block.
  virtual void start(const Request& request, const attempt_ticket& ticket) = 0;
};

/// What implements a model provider (scripted now, OpenAI-compatible later).
using model_backend = dependency_backend<model_request, model_reply>;

/// What implements a tool (built-ins and registered callables).
using tool_backend = dependency_backend<tool_request, tool_reply>;

} // namespace warden
