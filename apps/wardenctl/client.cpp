// wardenctl's client side: connect to the node's published entry actor with
// CAF's middleman, through mutual TLS (node_connection.hpp), and speak the
// protocol of actors/protocol/messages.hpp.

#include <iostream>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "apps/exit_codes.hpp"
#include "apps/tls/caf_tls.hpp"
#include "apps/wardenctl/commands.hpp"
#include "apps/wardenctl/node_connection.hpp"

namespace warden::apps {

namespace {

using json = nlohmann::json;

/// `x` as one line of JSON. Text from the node may hold bytes that are not
/// UTF-8 (a tool's raw output): they are replaced (U+FFFD), never fatal.
std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

json to_json(const usage_totals& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"cost_micros", u.cost_micros},
          {"model_calls", u.model_calls},
          {"tool_calls", u.tool_calls},
          {"retries", u.retries},
          {"iterations", u.iterations}};
}

json to_json(const run_status& s) {
  return {
      {"run", s.run},       {"session", s.session},        {"tenant", s.tenant},
      {"agent", s.agent},   {"state", to_string(s.state)}, {"output", s.output},
      {"reason", s.reason}, {"usage", to_json(s.usage)},   {"model", s.model}};
}

void print_status(const run_status& s) {
  std::cout << "run " << s.run << ": " << to_string(s.state) << " (tenant "
            << s.tenant << ", agent " << s.agent << ", session " << s.session
            << ")\n";
  if (!s.reason.empty())
    std::cout << "reason: " << s.reason << '\n';
  if (!s.output.empty())
    std::cout << "output: " << s.output << '\n';
  if (!s.model.empty())
    std::cout << "model: " << s.model << '\n';
  const auto& u = s.usage;
  std::cout << "usage: " << u.tokens() << " tokens (" << u.prompt_tokens
            << " prompt, " << u.completion_tokens << " completion), "
            << u.model_calls << " model calls, " << u.tool_calls
            << " tool calls, " << u.retries << " retries\n";
}

/// Prints the node's error and picks the exit code.
int report(const ctl_command& cmd, caf::actor_system& sys,
           const caf::error& err) {
  auto code = warden_code(err);
  auto reason = code ? error_reason(err) : sys.render(err);
  if (cmd.json) {
    std::cout << dump(json{{"error", code ? to_string(*code) : "transport"},
                           {"reason", reason}})
              << '\n';
  } else {
    std::cerr << "wardenctl: " << (code ? to_string(*code) : "error") << ": "
              << reason << '\n';
  }
  if (code == error_code::not_found)
    return exit_not_found;
  return exit_failure;
}

struct ctl_config : caf::actor_system_config {
  explicit ctl_config(const tls::pinned_credentials& credentials) {
    load<caf::io::middleman>();
    complete = tls::use_mutual_tls(*this, credentials.paths());
    warden::add_message_types(*this);
    set("scheduler.max-threads", 2);
  }
  /// Whether the TLS credentials were complete (pinning guarantees it).
  bool complete = false;
};

} // namespace

void report_no_answer(const ctl_command& cmd, const std::string& why) {
  if (cmd.json)
    std::cout << dump(json{{"error", "no_answer"}, {"reason", why}}) << '\n';
  else
    std::cerr << "wardenctl: " << why << '\n';
}

int run_ctl_attempt(const ctl_command& cmd, const ctl_attempt& attempt) {
  auto colon = cmd.node.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    std::cerr << "wardenctl: --node must be HOST:PORT, got `" << cmd.node
              << "`\n";
    return exit_usage;
  }
  auto host = cmd.node.substr(0, colon);
  auto port = std::strtoul(cmd.node.c_str() + colon + 1, nullptr, 10);
  if (port == 0 || port > 65535) {
    std::cerr << "wardenctl: bad port in --node `" << cmd.node << "`\n";
    return exit_usage;
  }
  int rc = exit_ok;
  auto credentials = pin_client_credentials(cmd, rc);
  if (!credentials)
    return rc;
  ctl_config cfg{*credentials};
  if (!cfg.complete)
    return exit_usage;
  caf::actor_system sys{cfg};
  auto node = connect_to_node(sys, host, static_cast<std::uint16_t>(port),
                              *credentials, rc);
  if (!node)
    return rc;
  caf::scoped_actor self{sys};
  using clock = std::chrono::steady_clock;
  auto left = [&] { return time_left(attempt.deadline); };
  caf::duration timeout = caf::infinite;
  if (attempt.answer_timeout)
    timeout = caf::duration{*attempt.answer_timeout};
  else if (auto ms = left())
    timeout = caf::duration{*ms};
  auto on_error = [&](caf::error& err) {
    // The connection went down under the request (the node's proxy is
    // gone): its answer is lost as surely as one that never came.
    auto lost = err == caf::sec::request_timeout ||
                err == caf::sec::request_receiver_down;
    if (!lost) {
      rc = report(cmd, sys, err);
    } else if (attempt.retryable) {
      rc = exit_answer_lost;
    } else if (err == caf::sec::request_receiver_down) {
      rc = report(cmd, sys, err);
    } else {
      report_no_answer(cmd, "no answer within the timeout");
      rc = exit_failure;
    }
  };
  auto on_status = [&](run_status& s) {
    if (cmd.json)
      std::cout << dump(to_json(s)) << '\n';
    else if (cmd.verb == "wait" && s.state == run_state::succeeded)
      std::cout << s.output << '\n';
    else
      print_status(s);
    if (cmd.verb == "wait" && s.state != run_state::succeeded) {
      if (!cmd.json)
        std::cerr << "wardenctl: run " << s.run << " ended "
                  << to_string(s.state) << ": " << s.reason << '\n';
      rc = exit_run_unsuccessful;
    }
  };
  auto on_ack = [&](run_ack& ack) {
    if (cmd.json)
      std::cout << json{{"run", ack.run},
                        {"session", ack.session},
                        {"duplicate", ack.duplicate}}
                       .dump()
                << '\n';
    else
      std::cout << ack.run << '\n';
  };
  if (cmd.verb == "submit") {
    self->request(
            *node, timeout,
            submit_run{cmd.tenant, cmd.agent, cmd.input, cmd.priority, cmd.key})
        .receive(on_ack, on_error);
  } else if (cmd.verb == "turn") {
    self->request(*node, timeout,
                  send_turn{cmd.tenant, cmd.run, cmd.input, cmd.priority,
                            cmd.key, cmd.on_busy})
        .receive(on_ack, on_error);
  } else if (cmd.verb == "status") {
    self->request(*node, timeout, get_status{cmd.tenant, cmd.run})
        .receive(on_status, on_error);
  } else if (cmd.verb == "wait") {
    // Asks again after each bound, so that a lost answer costs one bound.
    for (bool waiting = true; waiting;) {
      auto bound = wait_poll;
      if (auto ms = left())
        bound = std::min(bound, *ms);
      self->request(*node, caf::duration{bound + answer_grace},
                    await_run{cmd.tenant, cmd.run,
                              static_cast<std::uint32_t>(bound.count())})
          .receive(
              [&](run_status& s) {
                if (is_final(s.state)) {
                  on_status(s);
                  waiting = false;
                } else if (attempt.deadline &&
                           clock::now() >= *attempt.deadline) {
                  report_no_answer(cmd, "run " + std::to_string(s.run) +
                                            " did not end within the "
                                            "timeout; it is " +
                                            to_string(s.state));
                  rc = exit_failure;
                  waiting = false;
                }
              },
              [&](caf::error& err) {
                on_error(err);
                waiting = false;
              });
    }
  } else if (cmd.verb == "cancel") {
    self->request(*node, timeout, cancel_run{cmd.tenant, cmd.run})
        .receive(on_status, on_error);
  } else if (cmd.verb == "sessions") {
    self->request(*node, timeout, list_sessions{cmd.tenant})
        .receive(
            [&](session_list& list) {
              if (cmd.json) {
                auto rows = json::array();
                for (const auto& s : list.sessions)
                  rows.push_back({{"session", s.session},
                                  {"agent", s.agent},
                                  {"last_run", s.last_run},
                                  {"last_state", to_string(s.last_state)},
                                  {"resident", s.resident}});
                std::cout << dump(rows) << '\n';
                return;
              }
              for (const auto& s : list.sessions)
                std::cout << "session " << s.session << "  agent " << s.agent
                          << "  last run " << s.last_run << " "
                          << to_string(s.last_state)
                          << (s.resident ? "" : "  (passivated)") << '\n';
            },
            on_error);
  } else if (cmd.verb == "drain") {
    self->request(*node, timeout, drain_node{})
        .receive(
            [&](drain_report& r) {
              if (cmd.json)
                std::cout << json{{"finished", r.finished},
                                  {"cancelled", r.cancelled}}
                                 .dump()
                          << '\n';
              else
                std::cout << "drained: " << r.finished << " finished, "
                          << r.cancelled << " cancelled\n";
            },
            on_error);
  }
  return rc;
}

} // namespace warden::apps
