// The content of a turn's model calls as it streams: the session marks its
// run on the delta board while its observer wants the content, and sends
// each piece a backend reports on to the observer, live, without keeping
// it. What was sent is void once another attempt of the same call answers
// (a provider's retry, a fallback model): the observer is told
// (`run_delta::restarted`) and decides what its client sees.

#include <utility>

#include "actors/session/session.hpp"

namespace warden {

session_state::~session_state() {
  if (turn_)
    stop_listening_for_deltas();
}

void session_state::listen_for_deltas() {
  if (turn_->deltas && runtime_->deltas)
    runtime_->deltas->listen(turn_->input.run, self_->address());
}

void session_state::stop_listening_for_deltas() {
  if (turn_->deltas && runtime_->deltas)
    runtime_->deltas->forget(turn_->input.run);
}

void session_state::handle_model_delta(model_delta& msg) {
  // A turn that ended, a call that is over, or a compaction's summary
  // (history, not an answer) sends nothing.
  if (!turn_ || !turn_->deltas || msg.run != turn_->input.run ||
      msg.step != turn_->step ||
      turn_->call == detail::model_call_kind::compaction)
    return;
  auto to = caf::actor_cast<caf::actor>(turn_->observer);
  if (!to)
    return;
  auto& streamed = turn_->streamed;
  bool restarted = false;
  if (!streamed || streamed->step != msg.step ||
      streamed->route != turn_->fallbacks_tried ||
      streamed->attempt != msg.attempt) {
    restarted = streamed && streamed->step == msg.step;
    streamed = session_turn::streamed_attempt{msg.step, turn_->fallbacks_tried,
                                              msg.attempt, 0};
  }
  streamed->bytes += msg.text.size();
  self_->send(to, run_delta{msg.run, msg.step, std::move(msg.text), restarted});
}

void session_state::check_streamed_reply(const model_reply& reply) {
  const auto& streamed = turn_->streamed;
  if (!streamed || streamed->step != turn_->step ||
      streamed->bytes == reply.text.size())
    return;
  if (auto to = caf::actor_cast<caf::actor>(turn_->observer))
    self_->send(to, run_delta{turn_->input.run, turn_->step, {}, true});
}

} // namespace warden
