#include "actors/session/turn.hpp"

#include <algorithm>
#include <utility>

#include "actors/session/config.hpp"

namespace warden {

namespace {

// Why nothing can be reserved before open_budget opened the ledger.
constexpr const char* no_ledger = "the turn has no open budget account";

} // namespace

session_turn::session_turn(caf::actor_system& sys,
                           const config::agent_settings& settings,
                           turn_input input_value,
                           caf::typed_response_promise<turn_finished> rp,
                           std::uint64_t serial_value,
                           caf::actor_clock::time_point deadline_value)
    : input(std::move(input_value)),
      promise(std::move(rp)),
      serial(serial_value),
      deadline(deadline_value),
      clock_(sys),
      doom_(make_doom_loop_config(settings.doom_loop), clock_) {
  if (!input.replay.empty()) {
    replay = detail::turn_replay{input.replay};
    input.replay = {};
  }
}

void session_turn::begin_tools(std::vector<tool_call> step_calls) {
  calls = std::move(step_calls);
  results.assign(calls.size(), std::nullopt);
  open_tools_ = calls.size();
  nudge.reset();
  spawned = false;
}

bool session_turn::finish_tool(std::size_t index, std::string output) {
  if (index >= results.size() || results[index])
    return false;
  results[index] = std::move(output);
  --open_tools_;
  return true;
}

void session_turn::note_runner(const caf::actor& runner) {
  if (std::find(runners.begin(), runners.end(), runner) == runners.end())
    runners.push_back(runner);
}

std::optional<std::string> session_turn::open_budget() {
  auto opened = policies::budget_ledger::open(
      make_run_grant(input.grant), make_final_turn_reserve(input.grant));
  if (!opened.opened())
    return opened.refusal->reason();
  ledger_ = std::move(opened.ledger);
  return std::nullopt;
}

std::optional<std::string>
session_turn::reserve(const policies::budget_amounts& estimate,
                      bool final_call) {
  refund();
  if (!ledger_)
    return std::string{no_ledger};
  auto decision = final_call ? ledger_->reserve_final_turn(estimate)
                             : ledger_->reserve(estimate);
  if (!decision.admitted())
    return decision.refusal->reason();
  reservation_ = decision.reservation;
  return std::nullopt;
}

void session_turn::commit(const model_reply& reply, std::uint64_t wall_ms) {
  if (reservation_ != 0) {
    ledger_->commit(reservation_, actual_model_use(reply, wall_ms));
    reservation_ = 0;
  }
  usage.prompt_tokens += reply.prompt_tokens;
  usage.completion_tokens += reply.completion_tokens;
  usage.cost_micros += reply.cost_micros;
  usage.retries += reply.retries;
  usage.model_calls += 1;
}

void session_turn::refund() {
  if (reservation_ != 0) {
    ledger_->refund(reservation_);
    reservation_ = 0;
  }
}

child_reservation
session_turn::reserve_child(const config::run_budget_settings& budget) {
  using policies::budget_dimension;
  child_reservation result;
  if (!ledger_) {
    result.refusal = no_ledger;
    return result;
  }
  auto balance = ledger_->balance();
  auto available = balance.available();
  policies::budget_amounts amount;
  // A dimension the turn does not limit passes the child's own limit on and
  // reserves nothing; a limited one caps it and reserves the result.
  auto cap = [&](budget_dimension d, std::uint64_t limit,
                 std::uint64_t& granted, std::uint64_t& reserved) {
    if (balance.grant.get(d) == policies::budget_amounts::unlimited) {
      granted = limit;
      return true;
    }
    auto have = available.get(d);
    if (have == 0) {
      result.refusal = std::string{"budget exhausted: no "} + to_string(d) +
                       " left for a child";
      return false;
    }
    granted = limit == 0 ? have : std::min(limit, have);
    reserved = granted;
    return true;
  };
  if (!cap(budget_dimension::tokens, budget.tokens, result.grant.tokens,
           amount.tokens) ||
      !cap(budget_dimension::cost, budget.cost_micros, result.grant.cost_micros,
           amount.cost_micros) ||
      !cap(budget_dimension::wall_time, budget.wall_ms, result.grant.wall_ms,
           amount.wall_ms))
    return result;
  auto decision = ledger_->reserve(amount);
  if (!decision.admitted()) {
    result.refusal = "budget exhausted: " + decision.refusal->reason();
    return result;
  }
  result.reservation = decision.reservation;
  return result;
}

void session_turn::settle_child(policies::reservation_id reservation,
                                const usage_totals& used,
                                std::uint64_t wall_ms) {
  policies::budget_amounts actual;
  actual.tokens = used.tokens();
  actual.cost_micros = used.cost_micros;
  actual.wall_ms = wall_ms;
  if (ledger_)
    ledger_->commit(reservation, actual);
}

bool session_turn::budget_exhausted() {
  return ledger_ && ledger_->exhausted();
}

std::optional<policies::budget_balance> session_turn::balance() {
  if (!ledger_)
    return std::nullopt;
  return ledger_->balance();
}

policies::doom_decision
session_turn::observe(const std::vector<tool_call>& step_calls,
                      std::vector<detail::normalized_arguments>& normalized) {
  policies::doom_decision worst;
  normalized.clear();
  normalized.reserve(step_calls.size());
  for (const auto& x : step_calls) {
    normalized.push_back(detail::normalize_arguments(x.arguments));
    auto decision = normalized.back().ok
                        ? doom_.observe_call(x.tool, normalized.back().text)
                        : doom_.observe_unparseable(x.tool);
    if (decision.verdict > worst.verdict)
      worst = std::move(decision);
  }
  return worst;
}

} // namespace warden
