// spawn_agent calls of a session: a child run per call, under the turn's
// budget, its answer the call's result; while a step waits only for its
// children, the run's admission slot goes back to admission.

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "actors/protocol/error.hpp"
#include "actors/session/config.hpp"
#include "actors/session/detail/journal.hpp"
#include "actors/session/session.hpp"

namespace warden {

namespace {

std::uint64_t to_ms(caf::timespan d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;
}

/// The child's input: the arguments' "text" when it is a string, else the
/// arguments as the model wrote them.
std::string child_input(const std::string& arguments) {
  auto json = nlohmann::json::parse(arguments, nullptr, false);
  if (json.is_object()) {
    auto text = json.find("text");
    if (text != json.end() && text->is_string())
      return text->get<std::string>();
  }
  return arguments;
}

/// Why a child produced no answer, for the parent's model.
std::string child_failure(const child_finished& child) {
  if (child.refused)
    return child.reason;
  auto result = "agent " + child.agent + " " + to_string(child.state);
  if (!child.reason.empty())
    result += ": " + child.reason;
  return result;
}

} // namespace

void session_state::call_spawn_agent(std::size_t index, bool resumed) {
  const auto& call = turn_->calls[index];
  auto spawner = caf::actor_cast<caf::actor>(turn_->input.spawner);
  auto definition = runtime_->tool_definitions.find(call.tool);
  if (!spawner || definition == runtime_->tool_definitions.end()) {
    tool_done(index, tool_error_output("spawn_agent is not available"), true);
    return;
  }
  const auto& agent = definition->second.agent;
  auto left = remaining();
  if (left <= caf::timespan::zero()) {
    tool_done(index,
              tool_error_output("no time left in the turn for agent " + agent),
              true);
    return;
  }
  config::run_budget_settings budget{0, 0, 0};
  if (auto i = runtime_->child_budgets.find(agent);
      i != runtime_->child_budgets.end())
    budget = i->second;
  auto reserved = turn_->reserve_child(budget);
  if (reserved.refusal) {
    tool_done(index, tool_error_output(*reserved.refusal), true);
    return;
  }
  // The supervisor ends the child at the tool's timeout; the request waits a
  // little longer, so that the child's timed_out answer arrives first.
  caf::timespan limit = tool_call_timeout(*runtime_, call.tool);
  auto timeout = std::min(limit, left);
  auto child_timeout =
      std::min<std::uint64_t>(definition->second.timeout_ms, to_ms(left));
  auto step = turn_->step;
  auto record = tool_request_for(index);
  note_call(step_kind::child_spawned, index, agent);
  journal({detail::tool_started_entry(record)});
  ++turn_->usage.tool_calls;
  spawn_child request{0,
                      turn_->input.run,
                      id_,
                      turn_->input.depth + 1,
                      agent,
                      child_input(call.arguments),
                      reserved.grant,
                      child_timeout,
                      0,
                      record.idempotency_key,
                      resumed};
  auto serial = turn_->serial;
  auto reservation = reserved.reservation;
  auto started = self_->clock().now();
  turn_->spawned = true;
  self_->request(spawner, timeout, std::move(request))
      .then(
          [this, serial, step, index, reservation,
           started](child_finished& child) {
            if (current(serial) && turn_->step == step)
              child_done(index, reservation, started, child);
          },
          [this, serial, step, index, reservation, started,
           agent](caf::error& err) {
            if (!current(serial) || turn_->step != step)
              return;
            child_finished child;
            child.agent = agent;
            child.refused = true;
            child.reason = err == caf::sec::request_timeout
                               ? "agent " + agent + " did not answer in time"
                               : error_reason(err);
            child_done(index, reservation, started, child);
          });
}

void session_state::child_done(std::size_t index,
                               policies::reservation_id reservation,
                               caf::actor_clock::time_point started,
                               child_finished& child) {
  turn_->settle_child(reservation, child.usage,
                      to_ms(self_->clock().now() - started));
  turn_->finishing_child = child.refused ? 0 : child.run;
  if (child.state == run_state::succeeded && !child.refused)
    tool_done(index, std::move(child.output), false);
  else
    tool_done(index, tool_error_output(child_failure(child)), true);
}

void session_state::maybe_yield_slot() {
  using slot = session_turn::admission_slot;
  if (!runtime_->admission || !turn_->spawned || turn_->slot != slot::held)
    return; // steps without children pay nothing here
  for (std::size_t i = 0; i < turn_->calls.size(); ++i)
    if (!turn_->results[i] &&
        !is_spawn_agent_tool(*runtime_, turn_->calls[i].tool))
      return; // a call that does work: the run keeps its slot
  turn_->slot = slot::yielded;
  self_->send(runtime_->admission, yield_slot{turn_->input.run});
}

void session_state::tools_answered() {
  if (turn_->slot == session_turn::admission_slot::held) {
    after_tools();
    return;
  }
  // The next step is work: it waits for a slot, ahead of new runs.
  turn_->slot = session_turn::admission_slot::reclaiming;
  self_->send(runtime_->admission, reclaim_slot{turn_->input.run});
}

void session_state::handle_slot_returned(const slot_returned& msg) {
  if (!turn_ || turn_->input.run != msg.run ||
      turn_->slot != session_turn::admission_slot::reclaiming)
    return; // a turn that ended meanwhile
  turn_->slot = session_turn::admission_slot::held;
  after_tools();
}

} // namespace warden
