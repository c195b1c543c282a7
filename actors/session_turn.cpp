#include "actors/session_turn.hpp"

#include <algorithm>
#include <utility>

#include "actors/session_config.hpp"

namespace warden {

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
      next_ticket(serial_value << 32),
      clock_(sys),
      ledger_(clock_),
      doom_(make_doom_loop_config(settings.doom_loop), clock_) {
  // nop
}

void session_turn::begin_tools(std::vector<tool_call> step_calls) {
  calls = std::move(step_calls);
  results.assign(calls.size(), std::nullopt);
  open_tools_ = calls.size();
  nudge.reset();
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
  // The ledger is the turn's own: a tenant without limits above one run
  // account that holds the turn's grant.
  auto tenant = ledger_.open_tenant(policies::budget_amounts::no_limit());
  if (!tenant.opened())
    return tenant.refusal->reason();
  auto run = ledger_.open_run(tenant.account, make_run_grant(input.grant),
                              make_final_turn_reserve(input.grant));
  if (!run.opened())
    return run.refusal->reason();
  account_ = run.account;
  return std::nullopt;
}

std::optional<std::string>
session_turn::reserve(const policies::budget_amounts& estimate,
                      bool final_call) {
  refund();
  auto decision = final_call ? ledger_.reserve_final_turn(account_, estimate)
                             : ledger_.reserve(account_, estimate);
  if (!decision.admitted())
    return decision.refusal->reason();
  reservation_ = decision.reservation;
  return std::nullopt;
}

void session_turn::commit(const model_reply& reply, std::uint64_t wall_ms) {
  if (reservation_ != 0) {
    ledger_.commit(reservation_, actual_model_use(reply, wall_ms));
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
    ledger_.refund(reservation_);
    reservation_ = 0;
  }
}

bool session_turn::budget_exhausted() {
  return ledger_.exhausted(account_);
}

std::optional<policies::budget_balance> session_turn::balance() {
  return ledger_.balance(account_);
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
