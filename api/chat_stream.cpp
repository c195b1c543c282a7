// A streamed chat completion: the chunks of a run's answer as the model
// writes them. One actor per stream subscribes to the run at the node with
// its deltas and writes what comes through `net::response_stream`, which
// cuts a client that reads too slowly; the actor keeps no content.

#include "api/detail/chat_stream.hpp"

#include <chrono>
#include <ctime>
#include <utility>

#include <caf/all.hpp>

#include "api/chat.hpp"
#include "api/detail/respond.hpp"
#include "api/detail/sse_stream.hpp"

namespace warden::api::detail {

namespace {

using chat_tick_atom = caf::atom_constant<caf::atom("chat_tick")>;
using chat_late_atom = caf::atom_constant<caf::atom("chat_late")>;

struct chat_stream_state {
  static inline const char* name = "warden.api.chat_stream";
  std::shared_ptr<const api_context> ctx;
  std::string tenant;
  /// The run's id and agent, for every chunk.
  run_status run;
  std::int64_t created = 0;
  net::response_stream out;
  int idle_ticks = 0;
  /// The latest model call (its model_started event), and the latest that
  /// streamed content: when they differ at the end, the final answer was
  /// not streamed and goes out whole.
  std::uint32_t model_step = 0;
  std::uint32_t streamed_step = 0;
  /// The final event came; the run's final status is asked for.
  bool ending = false;
};

using chat_stream_actor = caf::stateful_actor<chat_stream_state>;

/// Writes `text`; ends the actor when the client is gone.
bool write_or_end(chat_stream_actor* self, std::string text) {
  self->state.idle_ticks = 0;
  if (self->state.out.write(std::move(text)))
    return true;
  self->quit();
  return false;
}

/// Ends the stream with `err` as an error event.
void fail_stream(chat_stream_actor* self, const http_error& err) {
  write_or_end(self, error_event(err));
  self->state.out.close();
  self->quit();
}

/// The run is final: what is left of its answer, then its end.
void finish_stream(chat_stream_actor* self, const run_status& status) {
  auto& st = self->state;
  if (status.state != run_state::succeeded)
    return fail_stream(self, run_failure(status));
  bool final_call_streamed =
      st.streamed_step != 0 && st.streamed_step == st.model_step;
  if (!final_call_streamed && !status.output.empty() &&
      !write_or_end(self, content_event(st.run, st.created, status.output)))
    return;
  if (write_or_end(self, finish_events(status, st.created)))
    st.out.close();
  self->quit();
}

/// Asks the node for the final status of the run (its events say that it
/// ended, not what it answered).
void ask_final_status(chat_stream_actor* self) {
  auto& st = self->state;
  if (std::exchange(st.ending, true))
    return;
  self->request(st.ctx->node, st.ctx->node_timeout,
                await_run{st.tenant, st.run.run, 1})
      .then([self](run_status& status) { finish_stream(self, status); },
            [self](caf::error& err) { fail_stream(self, to_http(err)); });
}

void on_delta(chat_stream_actor* self, run_delta& delta) {
  auto& st = self->state;
  if (delta.restarted)
    return fail_stream(
        self,
        refuse(502, "stream_restarted",
               "run " + std::to_string(st.run.run) + ": model call " +
                   std::to_string(delta.step) +
                   " was retried after part of its answer was streamed, so "
                   "the text streamed so far is void; the run goes on: GET "
                   "/v1/runs/" +
                   std::to_string(st.run.run) + " tells its answer"));
  if (delta.text.empty())
    return;
  st.streamed_step = delta.step;
  write_or_end(self, content_event(st.run, st.created, delta.text));
}

void on_event(chat_stream_actor* self, const run_event& event) {
  if (event.kind == to_string(step_kind::model_started))
    self->state.model_step = event.step.step;
  else if (event.kind == "final")
    ask_final_status(self);
}

void on_tick(chat_stream_actor* self) {
  auto& st = self->state;
  if (!st.out.open())
    return self->quit();
  if (++st.idle_ticks >= ticks_per_keep_alive &&
      !write_or_end(self, keep_alive_comment))
    return;
  self->delayed_send(self, stream_tick, chat_tick_atom::value);
}

void on_subscribed(chat_stream_actor* self, net::responder& reply,
                   const run_subscription& sub) {
  auto& st = self->state;
  auto header = sse_stream_header(reply.version());
  header.set(run_header, std::to_string(st.run.run));
  header.set(session_header, std::to_string(sub.status.session));
  st.out = reply.stream(std::move(header));
  st.run.agent = sub.status.agent;
  if (!write_or_end(self, role_event(st.run, st.created)))
    return;
  if (is_final(sub.status.state) && sub.last_seq == 0)
    return ask_final_status(self); // its events are gone: no final event
  // The events the node held are in the mailbox already; the rest follow.
  self->delayed_send(self, stream_tick, chat_tick_atom::value);
  self->delayed_send(self, st.ctx->completion_timeout, chat_late_atom::value);
}

caf::behavior chat_stream(chat_stream_actor* self,
                          std::shared_ptr<const api_context> ctx,
                          std::shared_ptr<net::responder> reply,
                          std::string tenant, run_ack ack) {
  auto& st = self->state;
  st.ctx = ctx;
  st.tenant = tenant;
  st.run.run = ack.run;
  st.created = static_cast<std::int64_t>(std::time(nullptr));
  // A node that goes away sends nothing more: the stream ends.
  self->monitor(ctx->node);
  self->set_down_handler([self](caf::down_msg&) {
    fail_stream(self, refuse(503, "unavailable", "the node went away"));
  });
  // Awaited: what the node sends before its answer waits in the mailbox
  // until the stream has started.
  self->request(ctx->node, ctx->node_timeout,
                subscribe_run{std::move(tenant), ack.run,
                              caf::actor_cast<caf::actor>(self), 0, true})
      .await([self, reply](
                 run_subscription& sub) { on_subscribed(self, *reply, sub); },
             [self, reply, ack](caf::error& err) {
               auto answer = error_response(to_http(err), reply->version(),
                                            shape::openai);
               answer.set(run_header, std::to_string(ack.run));
               reply->send(std::move(answer));
               self->quit();
             });
  return {
      [self](run_delta& delta) { on_delta(self, delta); },
      [self](const run_event& event) { on_event(self, event); },
      [self](chat_tick_atom) { on_tick(self); },
      [self](chat_late_atom) {
        auto run = std::to_string(self->state.run.run);
        fail_stream(self, refuse(504, "timeout",
                                 "run " + run +
                                     " has not ended in time; it goes on: "
                                     "GET /v1/runs/" +
                                     run + " tells its end"));
      },
  };
}

} // namespace

void stream_completion(const api_context& ctx, net::responder reply,
                       std::string tenant, const run_ack& ack) {
  ctx.system->spawn(chat_stream, ctx.shared_from_this(),
                    std::make_shared<net::responder>(std::move(reply)),
                    std::move(tenant), ack);
}

} // namespace warden::api::detail
