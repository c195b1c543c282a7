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
#include "apps/wardenctl/output.hpp"

#include "api/cluster.hpp"

namespace warden::apps {

namespace {

using json = nlohmann::json;

/// Prints the node's error and picks the exit code.
int report(const ctl_command& cmd, caf::actor_system& sys,
           const caf::error& err) {
  auto code = warden_code(err);
  if (!code) {
    // Not the node's answer: CAF's own (a transport failure).
    if (cmd.json)
      std::cout << dump(json{{"error", "transport"},
                             {"reason", sys.render(err)}})
                << '\n';
    else
      std::cerr << "wardenctl: error: " << sys.render(err) << '\n';
    return exit_failure;
  }
  return show_refusal(cmd, to_string(*code), error_reason(err));
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
  auto on_status = [&](run_status& s) { rc = show_status(cmd, s); };
  auto on_ack = [&](run_ack& ack) { show_ack(cmd, ack); };
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
        .receive([&](session_list& list) { show_sessions(cmd, list.sessions); },
                 on_error);
  } else if (cmd.verb == "tenant") {
    self->request(*node, timeout,
                  pause_tenant{cmd.tenant, cmd.tenant_action == "pause"})
        .receive([&](tenant_pause_state& s) { show_pause(cmd, s); }, on_error);
  } else if (cmd.verb == "cluster") {
    self->request(*node, timeout, get_cluster{})
        .receive(
            [&](cluster_report& r) { show_cluster(cmd, api::cluster_json(r)); },
            on_error);
  } else if (cmd.verb == "drain" && !cmd.member.empty()) {
    self->request(*node, timeout, drain_member{cmd.member, 0})
        .receive(
            [&](member_drain_report& r) { rc = show_member_drain(cmd, r); },
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
