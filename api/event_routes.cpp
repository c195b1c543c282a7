// GET /v1/runs/{id}/events: a run's events as Server-Sent Events, resumable
// with Last-Event-ID. Each stream is one small actor that subscribes to the
// run at the node and writes what comes to the client as it comes.

#include <chrono>
#include <memory>
#include <utility>
#include <variant>

#include <caf/all.hpp>

#include "actors/protocol/messages.hpp"

#include "api/detail/respond.hpp"
#include "api/detail/sse_stream.hpp"
#include "api/events.hpp"

namespace warden::api::detail {

namespace {

using stream_tick_atom = caf::atom_constant<caf::atom("sse_tick")>;

struct stream_state {
  static inline const char* name = "warden.api.event_stream";
  net::response_stream out;
  int idle_ticks = 0;
};

using stream_actor = caf::stateful_actor<stream_state>;

/// Ends the stream and the actor.
void end_stream(stream_actor* self) {
  self->state.out.close();
  self->quit();
}

/// Writes `text`; ends the actor when the client is gone.
bool write_or_end(stream_actor* self, std::string text) {
  if (self->state.out.write(std::move(text)))
    return true;
  self->quit();
  return false;
}

/// Starts the answer once the node has answered the subscription: 204
/// when the client has every event already, else the stream (with the
/// run's final status when its events are no longer held).
void on_subscribed(stream_actor* self, net::responder& reply,
                   const resume_point& resume, const run_subscription& sub) {
  auto final = is_final(sub.status.state);
  auto version = reply.version();
  if (final && (resume.final_seen ||
                (sub.last_seq != 0 && resume.after >= sub.last_seq))) {
    // "No Content" tells an EventSource to stop reconnecting.
    reply.send(net::response{net::status::no_content, version});
    return self->quit();
  }
  self->state.out = reply.stream(sse_stream_header(version));
  if (final && sub.last_seq == 0) {
    write_or_end(self, sse_final_text(sub.status));
    return end_stream(self);
  }
  // The events the node held are in the mailbox already; the rest follow.
  self->delayed_send(self, stream_tick, stream_tick_atom::value);
}

caf::behavior event_stream(stream_actor* self,
                           std::shared_ptr<const api_context> ctx,
                           std::shared_ptr<net::responder> reply,
                           subscribe_run request, resume_point resume) {
  request.subscriber = caf::actor_cast<caf::actor>(self);
  // A node that goes away sends nothing more: the stream ends.
  self->monitor(ctx->node);
  self->set_down_handler([self](caf::down_msg&) { end_stream(self); });
  // Awaited: the events the node sends before its answer wait in the
  // mailbox until the stream has started.
  self->request(ctx->node, ctx->node_timeout, std::move(request))
      .await(
          [self, reply, resume](run_subscription& sub) {
            on_subscribed(self, *reply, resume, sub);
          },
          [self, reply](caf::error& err) {
            send_error(*reply, to_http(err));
            self->quit();
          });
  return {
      [self](run_event& event) {
        self->state.idle_ticks = 0;
        if (!write_or_end(self, sse_event_text(event)))
          return;
        if (event.kind == "final")
          end_stream(self);
      },
      [self](const run_delta& delta) {
        self->state.idle_ticks = 0;
        write_or_end(self, sse_delta_text(delta));
      },
      [self](stream_tick_atom) {
        auto& st = self->state;
        if (!st.out.open())
          return self->quit();
        if (++st.idle_ticks >= ticks_per_keep_alive) {
          st.idle_ticks = 0;
          if (!write_or_end(self, keep_alive_comment))
            return;
        }
        self->delayed_send(self, stream_tick, stream_tick_atom::value);
      },
  };
}

/// GET /v1/runs/{id}/events.
void follow_run(const api_context& ctx, const net::incoming& in,
                net::responder reply) {
  auto run = owned_id_or_refuse(ctx, in, "run", reply);
  if (!run)
    return;
  auto resume = parse_last_event_id(header(in.message, "Last-Event-ID"));
  if (auto* err = std::get_if<http_error>(&resume))
    return send_error(reply, *err);
  bool deltas = false;
  if (auto text = query_value(in.query, "deltas")) {
    if (*text != "true" && *text != "false")
      return send_error(reply, refuse(400, "bad_request",
                                      "query deltas must be true or false"));
    deltas = *text == "true";
  }
  auto point = std::get<resume_point>(resume);
  ctx.system->spawn(
      event_stream, ctx.shared_from_this(),
      std::make_shared<net::responder>(std::move(reply)),
      subscribe_run{run->tenant, run->id, caf::actor{}, point.after, deltas},
      point);
}

} // namespace

bool add_event_routes(net::router& routes,
                      const std::shared_ptr<const api_context>& ctx) {
  return add_route(routes, ctx, net::method::get, "/v1/runs/{id}/events",
                   follow_run);
}

} // namespace warden::api::detail
