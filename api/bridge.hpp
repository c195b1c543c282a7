#pragma once

#include <chrono>
#include <functional>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

namespace warden::api {

/// Asks `node` with `request` and hands its answer, a `Reply` or an error
/// (the node's, or `sec::request_timeout` after `timeout`), to `answer`,
/// exactly once, on a CAF worker thread. `answer` must not block; it hands
/// the result to an HTTP responder, which may be used from any thread.
///
/// Each call spawns one short-lived actor that holds this one pending
/// request and quits with its answer: an HTTP request never blocks a thread
/// while the node works, and no central actor gathers a pile of pending
/// handlers (CAF 0.17 keeps them in an unsorted vector, O(n) per reply).
/// If the actor system stops first, `answer` is never called and is
/// destroyed: a responder it holds then answers 500 on its own.
template <class Reply, class Request>
void ask(caf::actor_system& sys, const caf::actor& node, Request request,
         std::chrono::milliseconds timeout,
         std::function<void(caf::expected<Reply>)> answer) {
  sys.spawn(
      [node, timeout](caf::event_based_actor* self, Request msg,
                      std::function<void(caf::expected<Reply>)> done) {
        self->request(node, timeout, std::move(msg))
            .then(
                [self, done](Reply& reply) {
                  done(std::move(reply));
                  self->quit();
                },
                [self, done](caf::error& err) {
                  done(std::move(err));
                  self->quit();
                });
      },
      std::move(request), std::move(answer));
}

} // namespace warden::api
