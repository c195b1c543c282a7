#pragma once

// What implements a dependency: the interface between a dependency actor
// (provider, tool runner) and the thing it calls (scripted model, HTTP
// endpoint, tool callable). An attempt is started in the actor's context and
// its outcome comes back as a message, at once, later (latency, a worker
// thread, an HTTP response) or never (a hang; the actor's timeout ends it).

#include <cstdint>
#include <optional>
#include <utility>

#include <caf/abstract_actor.hpp>
#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/send.hpp>

#include "actors/dependencies/guard.hpp"
#include "actors/protocol/messages.hpp"
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
  /// When the first part of a streamed answer came, from the attempt's
  /// start; zero: not measured.
  policies::duration first_token{0};
};

/// The dependency asks every caller to wait `wait` before the next attempt
/// (backend -> dependency actor), though the attempt that learnt it
/// succeeded: a rate-limit budget reported as spent. Local only.
struct dependency_backpressure {
  policies::duration wait{0};
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
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::dependency_backpressure)

namespace warden {

namespace detail {

/// Where the outcome of an attempt goes when the backend reports it before
/// its `start` returns, on the owner's own thread, without delay: the owner
/// handles it right after `start` instead of receiving a message (a scripted
/// model or an inline tool then costs no extra message per call). Set by the
/// owner around `start` only (see `inline_outcome_scope`); a report from any
/// other thread, later, or with a delay still travels as a message.
struct inline_outcome_base {
  /// The attempt the owner is starting.
  const caf::abstract_actor* owner = nullptr;
  std::uint64_t call = 0;
  std::uint32_t attempt = 0;
  /// Set when the attempt failed inline.
  std::optional<attempt_failure> failure;

  [[nodiscard]] bool matches(const attempt_ticket& ticket) const noexcept {
    return !failure && ticket.call == call && ticket.attempt == attempt &&
           caf::actor_cast<caf::abstract_actor*>(ticket.owner) == owner;
  }
};

/// An inline outcome slot for replies of type `Reply`.
template <class Reply>
struct inline_outcome : inline_outcome_base {
  /// Set when the attempt succeeded inline.
  std::optional<Reply> reply;

  [[nodiscard]] bool reported() const noexcept {
    return reply.has_value() || failure.has_value();
  }
};

/// The slot of the attempt being started on this thread, if any.
template <class Reply>
inline thread_local inline_outcome<Reply>* active_inline_outcome = nullptr;

/// The failure slot of the attempt being started on this thread, if any.
inline thread_local inline_outcome_base* active_inline_failure = nullptr;

/// Makes `slot` the active slot while it lives (restores the previous one).
template <class Reply>
class inline_outcome_scope {
 public:
  explicit inline_outcome_scope(inline_outcome<Reply>& slot)
      : previous_(active_inline_outcome<Reply>),
        previous_failure_(active_inline_failure) {
    active_inline_outcome<Reply> = &slot;
    active_inline_failure = &slot;
  }

  ~inline_outcome_scope() {
    active_inline_outcome<Reply> = previous_;
    active_inline_failure = previous_failure_;
  }

  inline_outcome_scope(const inline_outcome_scope&) = delete;
  inline_outcome_scope& operator=(const inline_outcome_scope&) = delete;

 private:
  inline_outcome<Reply>* previous_;
  inline_outcome_base* previous_failure_;
};

} // namespace detail

/// Reports the answer of the attempt `ticket` to its owner after `delay`
/// (zero: at once; inline when the owner is starting that attempt on this
/// thread). Thread-safe; never blocks.
template <class Reply>
void report_success(const attempt_ticket& ticket, Reply reply,
                    policies::duration delay = policies::duration{0}) {
  if (delay <= policies::duration{0}) {
    auto* slot = detail::active_inline_outcome<Reply>;
    if (slot != nullptr && !slot->reported() && slot->matches(ticket)) {
      slot->reply = std::move(reply);
      return;
    }
  }
  attempt_succeeded<Reply> msg{ticket.call, ticket.attempt, std::move(reply),
                               policies::duration{0}};
  if (delay > policies::duration{0})
    caf::delayed_anon_send(ticket.owner, delay, std::move(msg));
  else
    caf::anon_send(ticket.owner, std::move(msg));
}

/// Reports the answer of the attempt `ticket`, streamed, whose first part
/// came `first_token` after the attempt started (a slow first token counts
/// as a slow call). Thread-safe; never blocks; never inline.
template <class Reply>
void report_streamed_success(const attempt_ticket& ticket, Reply reply,
                             policies::duration first_token) {
  caf::anon_send(ticket.owner,
                 attempt_succeeded<Reply>{ticket.call, ticket.attempt,
                                          std::move(reply), first_token});
}

/// Reports the failure of the attempt `ticket` to its owner after `delay`
/// (zero: at once; inline as for `report_success`). Thread-safe; never
/// blocks.
inline void report_failure(const attempt_ticket& ticket,
                           attempt_failure failure,
                           policies::duration delay = policies::duration{0}) {
  if (delay <= policies::duration{0}) {
    auto* slot = detail::active_inline_failure;
    if (slot != nullptr && slot->matches(ticket)) {
      slot->failure = std::move(failure);
      return;
    }
  }
  attempt_failed msg{ticket.call, ticket.attempt, std::move(failure)};
  if (delay > policies::duration{0})
    caf::delayed_anon_send(ticket.owner, delay, std::move(msg));
  else
    caf::anon_send(ticket.owner, std::move(msg));
}

/// Tells the owner of `ticket` that its dependency asks every caller to wait
/// `wait` before the next attempt. Thread-safe; never blocks.
inline void report_backpressure(const attempt_ticket& ticket,
                                policies::duration wait) {
  if (wait > policies::duration{0})
    caf::anon_send(ticket.owner, dependency_backpressure{wait});
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

  /// The owner stopped waiting for attempt `ticket` (it timed out, its run
  /// was cancelled, the owner stops): a backend with work in flight aborts
  /// it and frees what it holds. A report that still comes is ignored.
  /// Default: nothing (work that ends by itself).
  virtual void abandon(const attempt_ticket& ticket) { (void)ticket; }
};

/// What implements a model provider (scripted now, OpenAI-compatible later).
using model_backend = dependency_backend<model_request, model_reply>;

/// What implements a tool (built-ins and registered callables).
using tool_backend = dependency_backend<tool_request, tool_reply>;

} // namespace warden
