// The agent loop of a session: the steps between run_turn and turn_finished.

#include <algorithm>
#include <utility>

#include "actors/protocol/error.hpp"
#include "actors/session/config.hpp"
#include "actors/session/detail/journal.hpp"
#include "actors/session/session.hpp"

#include "logging/log.hpp"

namespace warden {

namespace {

std::uint64_t elapsed_ms(caf::timespan d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;
}

// The prompt tokens the agent's instructions add to each call.
std::uint64_t instruction_tokens(const config::agent_settings& agent) {
  if (agent.instructions.empty())
    return 0;
  return estimate_tokens(
      chat_message{chat_role::system, agent.instructions, {}});
}

/// What a model call is for, when not an agent step.
std::string call_purpose(detail::model_call_kind kind) {
  return kind == detail::model_call_kind::compaction ? "compaction" : "";
}

} // namespace

void session_state::next_step() {
  if (remaining() <= caf::timespan::zero()) {
    stop(run_state::timed_out, timeout_reason());
    return;
  }
  const auto& settings = runtime_->settings;
  if (!turn_->final_reason && turn_->tool_steps >= settings.max_iterations) {
    runtime_->metrics.count_iteration_limit_halt();
    turn_->final_reason = "iteration cap of " +
                          std::to_string(settings.max_iterations) +
                          " model calls with tools reached; final answer "
                          "without tools";
  }
  if (try_compaction())
    return;
  model_step();
}

bool session_state::try_compaction() {
  auto budget = runtime_->settings.context_token_budget;
  if (turn_->compacted || estimate_tokens(conversation_) <= budget)
    return false;
  // One attempt per step, whatever comes of it.
  turn_->compacted = true;
  auto split = compaction_split(conversation_, budget);
  if (split == 0)
    return false;
  auto prompt = compaction_prompt(conversation_, split);
  auto estimate = estimate_model_call(
      estimate_tokens(prompt),
      completion_allowance(runtime_->settings.max_completion_tokens));
  if (turn_->reserve(estimate, false))
    return false; // no budget for a summary: go on uncompacted
  turn_->compaction_split = split;
  turn_->call = detail::model_call_kind::compaction;
  send_model_request(new_model_request(std::move(prompt), true, estimate));
  return true;
}

model_request
session_state::new_model_request(const std::vector<chat_message>& messages,
                                 bool compaction,
                                 const policies::budget_amounts& estimate) {
  const auto& agent = runtime_->settings;
  model_request request;
  request.run = turn_->input.run;
  request.session = id_;
  request.step = ++turn_->step;
  // The instructions lead every call (a compaction's own prompt included,
  // so a summary keeps the agent's voice); they are not history.
  request.messages.reserve(messages.size() + 1);
  if (!agent.instructions.empty())
    request.messages.push_back({chat_role::system, agent.instructions, {}});
  request.messages.insert(request.messages.end(), messages.begin(),
                          messages.end());
  request.compaction = compaction;
  request.token_estimate = estimate.tokens;
  request.max_completion_tokens =
      completion_limit(turn_->input.grant, agent.max_completion_tokens);
  request.model = agent.model;
  request.temperature = agent.temperature.value_or(-1.0);
  return request;
}

void session_state::model_step() {
  auto estimate = estimate_model_call(
      estimate_tokens(conversation_) + instruction_tokens(runtime_->settings),
      completion_allowance(runtime_->settings.max_completion_tokens));
  if (!turn_->final_reason) {
    auto refusal = turn_->budget_exhausted()
                       ? std::optional<std::string>{"no budget left"}
                       : turn_->reserve(estimate, false);
    if (refusal)
      turn_->final_reason =
          "budget exhausted (" + *refusal + "); final answer without tools";
  }
  auto final_call = turn_->final_reason.has_value();
  if (final_call) {
    if (auto refusal = turn_->reserve(estimate, true)) {
      finish(run_state::failed, {}, "budget exhausted: " + *refusal);
      return;
    }
    turn_->call = detail::model_call_kind::final;
  } else {
    turn_->call = detail::model_call_kind::agent;
    ++turn_->tool_steps;
  }
  ++turn_->usage.iterations;
  auto request = new_model_request(conversation_, false, estimate);
  if (!final_call)
    request.tools = runtime_->settings.tools;
  send_model_request(std::move(request));
}

void session_state::send_model_request(model_request request) {
  if (remaining() <= caf::timespan::zero()) {
    stop(run_state::timed_out, timeout_reason());
    return;
  }
  turn_->call_started = self_->clock().now();
  if (auto reply = turn_->replay.model_step(request.step, turn_->call)) {
    // Made before a restart: the journaled reply stands for the call.
    note_call(step_kind::model_started, 0, request.model, false,
              "replayed from the journal");
    turn_->replayed_reply = true;
    handle_model_reply(*reply);
    return;
  }
  flush_journal();
  turn_->fallbacks_tried = 0;
  request.time_left_ms = time_left_ms();
  if (!runtime_->fallbacks.empty())
    turn_->fallback_request = request;
  dispatch_model_request(runtime_->provider, std::move(request));
}

std::uint64_t session_state::time_left_ms() const {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(remaining())
                .count();
  return static_cast<std::uint64_t>(std::max<std::int64_t>(1, ms));
}

bool session_state::try_fallback(const caf::error& err) {
  // Worth another model: the breaker is open, or the failure is one that
  // another endpoint may not share (transient after retries, timeout,
  // rate limit). A refusal of the request itself would repeat.
  auto code = warden_code(err);
  if (!code || !turn_->fallback_request ||
      turn_->fallbacks_tried >= runtime_->fallbacks.size() ||
      (*code != error_code::circuit_open &&
       *code != error_code::dependency_failed && *code != error_code::timeout &&
       *code != error_code::rate_limited))
    return false;
  const auto& route = runtime_->fallbacks[turn_->fallbacks_tried++];
  logging::info("session", "run " + std::to_string(turn_->input.run) +
                               " step " + std::to_string(turn_->step) +
                               ": model call failed (" + error_reason(err) +
                               "); trying " + route.provider_name + "/" +
                               route.model);
  auto request = *turn_->fallback_request;
  request.model = route.model;
  request.time_left_ms = time_left_ms();
  if (turn_->fallbacks_tried == runtime_->fallbacks.size())
    turn_->fallback_request.reset(); // the last one: nothing to keep
  dispatch_model_request(route.provider, std::move(request));
  return true;
}

void session_state::dispatch_model_request(const caf::actor& provider,
                                           model_request request) {
  note_call(step_kind::model_started, 0, request.model, false,
            call_purpose(turn_->call));
  auto serial = turn_->serial;
  // No request timeout: the provider bounds each attempt itself and the turn
  // deadline (watched by the agent pool) bounds the whole call. A timeout per
  // request would wake CAF's clock thread for every call.
  self_
      ->request(runtime_->governor, caf::infinite,
                governed_model_call{provider, std::move(request)})
      .then(
          [this, serial](model_reply& reply) {
            if (current(serial))
              handle_model_reply(reply);
          },
          [this, serial](caf::error& err) {
            if (current(serial))
              handle_model_error(err);
          });
}

void session_state::handle_model_reply(model_reply& reply) {
  check_streamed_reply(reply);
  note_step({step_kind::model_finished, turn_->step, 0, reply.model,
             reply.prompt_tokens, reply.completion_tokens, 0, false,
             call_purpose(turn_->call)});
  turn_->commit(reply, elapsed_ms(self_->clock().now() - turn_->call_started));
  if (turn_->call == detail::model_call_kind::compaction)
    handle_compaction_reply(reply);
  else
    handle_agent_reply(reply);
}

void session_state::handle_model_error(const caf::error& err) {
  note_call(step_kind::model_finished, 0, {}, true, error_reason(err));
  if (remaining() > caf::timespan::zero() && try_fallback(err))
    return; // the reservation stays with the call
  turn_->refund();
  if (remaining() <= caf::timespan::zero()) {
    stop(run_state::timed_out, timeout_reason());
    return;
  }
  if (turn_->call == detail::model_call_kind::compaction) {
    next_step(); // a failed summary leaves the history as it was
    return;
  }
  finish(run_state::failed, {}, "model call failed: " + error_reason(err));
}

void session_state::journal_reply(const model_reply& reply,
                                  const policies::doom_decision& doom) {
  if (std::exchange(turn_->replayed_reply, false))
    return; // journaled before the restart
  journal({detail::model_step_entry(turn_->input.run, turn_->step, turn_->call,
                                    reply, doom)});
}

void session_state::handle_compaction_reply(const model_reply& reply) {
  journal_reply(reply, {});
  apply_compaction(conversation_, turn_->compaction_split, reply.text);
  turn_->compaction_split = 0;
  next_step();
}

void session_state::handle_agent_reply(model_reply& reply) {
  if (!reply.model.empty())
    turn_->model = reply.model;
  auto kind = turn_->call;
  if (kind == detail::model_call_kind::final || reply.tool_calls.empty()) {
    journal_reply(reply, {});
    conversation_.push_back({chat_role::assistant, reply.text, {}});
    auto reason = turn_->final_reason.value_or(std::string{});
    finish(run_state::succeeded, std::move(reply.text), std::move(reason));
    return;
  }
  std::vector<detail::normalized_arguments> args;
  auto doom = turn_->observe(reply.tool_calls, args);
  journal_reply(reply, doom);
  name_calls(reply.tool_calls, turn_->input.run, turn_->step);
  conversation_.push_back(
      {chat_role::assistant, reply.text, {}, reply.tool_calls, {}});
  if (doom.verdict == policies::doom_verdict::halt) {
    runtime_->metrics.count_doom_loop_halt();
    finish(run_state::failed, {}, "doom loop: " + doom.reason);
    return;
  }
  std::optional<std::string> nudge;
  if (doom.verdict == policies::doom_verdict::nudge)
    nudge = std::move(doom.reason);
  start_tools(std::move(reply.tool_calls), args, std::move(nudge));
}

void session_state::start_tools(
    std::vector<tool_call> calls,
    const std::vector<detail::normalized_arguments>& args,
    std::optional<std::string> nudge) {
  turn_->begin_tools(std::move(calls));
  turn_->nudge = std::move(nudge);
  turn_->starting_tools = true;
  for (std::size_t i = 0; i < turn_->calls.size(); ++i) {
    const auto& tool = turn_->calls[i].tool;
    auto past = turn_->replay.tool(turn_->step, static_cast<std::uint32_t>(i));
    if (past.result) {
      // Finished before a restart: its journaled result stands, and the
      // call counts in the turn's usage as it did before (calls refused
      // before they started, e.g. unknown tools, have no start record and
      // did not count).
      if (past.started)
        ++turn_->usage.tool_calls;
      tool_done(i, std::move(past.result->first), past.result->second, true);
    } else if (past.started && !is_spawn_agent_tool(*runtime_, tool) &&
               tool_side_effect(*runtime_, tool) ==
                   config::side_effect_kind::effectful) {
      ++turn_->usage.tool_calls; // it was made, with an unknown outcome
      tool_done(i,
                tool_error_output(
                    "outcome unknown: the call started before a restart and "
                    "no result was recorded; an effectful call is not "
                    "repeated"),
                true);
    } else if (!agent_may_call(*runtime_, tool)) {
      tool_done(i, tool_error_output("unknown tool " + tool), true);
    } else if (!args[i].ok) {
      tool_done(
          i, tool_error_output("arguments are not valid JSON: " + args[i].text),
          true);
    } else if (is_spawn_agent_tool(*runtime_, tool)) {
      call_spawn_agent(i, past.started);
    } else if (auto runner = runtime_->tools.find(tool);
               runner != runtime_->tools.end() && runner->second) {
      call_tool(i, runner->second);
    } else {
      tool_done(i, tool_error_output("tool " + tool + " has no runner"), true);
    }
  }
  turn_->starting_tools = false;
  flush_journal();
  if (turn_->open_tools() == 0)
    tools_answered();
  else
    maybe_yield_slot();
}

tool_request session_state::tool_request_for(std::size_t index) const {
  const auto& call = turn_->calls[index];
  auto step = turn_->step;
  auto position = static_cast<std::uint32_t>(index);
  return {turn_->input.run,
          id_,
          step,
          position,
          call.tool,
          call.arguments,
          std::to_string(turn_->input.run) + "/" + std::to_string(step) + "/" +
              std::to_string(position)};
}

void session_state::call_tool(std::size_t index, const caf::actor& runner) {
  auto request = tool_request_for(index);
  note_call(step_kind::tool_started, index, request.tool);
  turn_->note_runner(runner);
  ++turn_->usage.tool_calls;
  auto entry = detail::tool_started_entry(request);
  if (runtime_->journal && tool_side_effect(*runtime_, request.tool) ==
                               config::side_effect_kind::effectful) {
    // Write-ahead: an effectful call runs only once its start is durable,
    // so that after a crash it is reported as of unknown outcome instead of
    // being made a second time.
    auto ticket = ++journal_tickets_;
    turn_->awaiting_start.emplace(ticket, index);
    auto entries = std::exchange(turn_->unsent, {}); // the records before it
    entries.push_back(std::move(entry));
    self_->send(runtime_->journal,
                journal_append{ticket, std::move(entries), false});
    return;
  }
  journal({std::move(entry)});
  dispatch_tool(index, runner, std::move(request));
}

void session_state::handle_journal_ack(const journal_ack& ack) {
  if (!turn_ || ack.ticket < turn_->first_ticket)
    return; // a record of an earlier turn: the node owns its outcome
  auto i = turn_->awaiting_start.find(ack.ticket);
  if (ack.failure) {
    // A record of this turn is not durable: going on would build on a step
    // a restart cannot replay, and an effectful call must not run without
    // its write-ahead record. The run stops; it is never reported done.
    runtime_->metrics.count_journal_halt();
    stop(run_state::failed, "stopped: a step record could not be written: " +
                                error_reason(ack.failure));
    return;
  }
  if (i == turn_->awaiting_start.end())
    return;
  auto index = i->second;
  turn_->awaiting_start.erase(i);
  auto request = tool_request_for(index);
  auto runner = runtime_->tools.find(request.tool);
  if (runner == runtime_->tools.end() || !runner->second) {
    tool_done(index,
              tool_error_output("tool " + request.tool + " has no runner"),
              true);
    return;
  }
  dispatch_tool(index, runner->second, std::move(request));
}

void session_state::dispatch_tool(std::size_t index, const caf::actor& runner,
                                  tool_request request) {
  auto step = turn_->step;
  auto serial = turn_->serial;
  // No request timeout: the tool runner enforces the tool's timeout and
  // answers with a timeout error; the turn deadline bounds the rest.
  self_
      ->request(runtime_->governor, caf::infinite,
                governed_tool_call{runner, std::move(request)})
      .then(
          [this, serial, step, index](tool_reply& reply) {
            if (!current(serial) || turn_->step != step)
              return;
            turn_->usage.retries += reply.retries;
            tool_done(index, std::move(reply.output), false);
          },
          [this, serial, step, index](caf::error& err) {
            if (!current(serial) || turn_->step != step)
              return;
            auto reason = error_reason(err);
            tool_done(index, tool_error_output(reason), true);
          });
}

void session_state::tool_done(std::size_t index, std::string output, bool error,
                              bool journaled) {
  if (index >= turn_->results.size() || turn_->results[index])
    return;
  // A spawn_agent call's end is its child's: named by the child's agent.
  auto called = turn_->calls[index].tool;
  auto spawn = is_spawn_agent_tool(*runtime_, called);
  if (spawn)
    if (auto i = runtime_->tool_definitions.find(called);
        i != runtime_->tool_definitions.end())
      called = i->second.agent;
  note_step({spawn ? step_kind::child_finished : step_kind::tool_finished,
             turn_->step, static_cast<std::uint32_t>(index), std::move(called),
             0, 0, std::exchange(turn_->finishing_child, 0), error,
             error ? output : std::string{}});
  if (!journaled) {
    const auto& tool = turn_->calls[index].tool;
    journal({detail::tool_finished_entry(turn_->input.run, turn_->step,
                                         static_cast<std::uint32_t>(index),
                                         tool, output, error)});
    // A pure or idempotent call's result may wait for the step's other
    // calls (after a crash the call is simply made again); an effectful
    // call's result is recorded now, or a restart would report it unknown.
    if (tool_side_effect(*runtime_, tool) ==
        config::side_effect_kind::effectful)
      flush_journal();
  }
  turn_->finish_tool(index, std::move(output));
  if (turn_->starting_tools)
    return; // start_tools goes on once every call started
  if (turn_->open_tools() == 0)
    tools_answered();
  else
    maybe_yield_slot();
}

void session_state::close_open_calls(run_state state) {
  for (std::size_t i = 0; i < turn_->calls.size(); ++i) {
    auto& result = turn_->results[i];
    auto output = result ? std::move(*result)
                         : tool_error_output(std::string{"the turn ended ("} +
                                             to_string(state) +
                                             ") before this call returned");
    conversation_.push_back(tool_result_message(
        turn_->calls[i].tool, std::move(output), turn_->calls[i].id));
  }
  turn_->begin_tools({});
}

void session_state::after_tools() {
  for (std::size_t i = 0; i < turn_->calls.size(); ++i)
    conversation_.push_back(tool_result_message(turn_->calls[i].tool,
                                                std::move(*turn_->results[i]),
                                                turn_->calls[i].id));
  if (turn_->nudge)
    conversation_.push_back(nudge_message(*turn_->nudge));
  turn_->begin_tools({});
  turn_->compacted = false;
  next_step();
}

} // namespace warden
