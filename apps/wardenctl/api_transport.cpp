// wardenctl over HTTP (--api URL): the same commands, output and exit
// codes as over CAF, through the node's HTTP API with a tenant's (or, for
// drain and tenant, an admin's) bearer key. Requests that could start something
// (submit, turn) always carry an Idempotency-Key (--key, or one made
// here), so that a request whose answer was lost is simply sent again:
// no process per attempt, as the CAF path needs.

#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include "apps/exit_codes.hpp"
#include "apps/wardenctl/api_session.hpp"
#include "apps/wardenctl/output.hpp"

namespace warden::apps {

using namespace over_api;

namespace {

/// How long `wait` asks the node to hold each request.
constexpr milliseconds wait_bound{25'000};

/// A key for a start the user gave none for: retries then find the run.
std::string made_key() {
  std::random_device entropy;
  std::ostringstream out;
  out << "wardenctl-" << std::hex << entropy() << entropy() << entropy();
  return out.str();
}

} // namespace

int run_api_command(const ctl_command& cmd) {
  api_session api;
  if (auto rc = over_api::open(cmd, api))
    return rc;
  if (cmd.verb == "events") {
    auto rc = follow_events(api);
    api.client->stop();
    return rc;
  }
  // Commands whose answer may take long wait without a default deadline.
  auto waits =
      cmd.verb == "wait" || (cmd.verb == "drain" && !cmd.member.empty());
  if (cmd.timeout)
    api.deadline = clock_type::now() + *cmd.timeout;
  else if (!waits)
    api.deadline = clock_type::now() + std::chrono::seconds{10};
  constexpr milliseconds quick{10'000};
  int rc = exit_ok;
  auto status_answer = [&](const exchange& answer) {
    if (auto doc = answer_or_report(cmd, answer, rc))
      rc = show_status(cmd, status_of(*doc, cmd));
  };
  auto ack_answer = [&](const exchange& answer) {
    if (auto doc = answer_or_report(cmd, answer, rc))
      show_ack(cmd, run_ack{doc->value("run_id", std::uint64_t{0}),
                            doc->value("session_id", std::uint64_t{0}),
                            doc->value("duplicate", false)});
  };
  auto start_key = cmd.key.empty() ? made_key() : cmd.key;
  if (cmd.verb == "submit") {
    json body{{"agent", cmd.agent}, {"input", cmd.input}};
    if (!cmd.priority.empty())
      body["priority"] = cmd.priority;
    ack_answer(
        api.call(net::method::post, "/v1/runs", dump(body), quick, start_key));
  } else if (cmd.verb == "turn") {
    json body{{"input", cmd.input}};
    if (!cmd.priority.empty())
      body["priority"] = cmd.priority;
    if (!cmd.on_busy.empty())
      body["on_busy"] = cmd.on_busy;
    ack_answer(api.call(net::method::post,
                        path_of("/v1/sessions/", cmd.run, "/turns"), dump(body),
                        quick, start_key));
  } else if (cmd.verb == "status") {
    status_answer(
        api.call(net::method::get, path_of("/v1/runs/", cmd.run), {}, quick));
  } else if (cmd.verb == "cancel") {
    status_answer(api.call(net::method::post,
                           path_of("/v1/runs/", cmd.run, "/cancel"), {},
                           quick));
  } else if (cmd.verb == "wait") {
    for (;;) {
      auto bound = std::min(wait_bound, api.left(wait_bound));
      auto answer = api.call(
          net::method::get,
          path_of("/v1/runs/", cmd.run,
                  ("?wait=" + std::to_string(bound.count()) + "ms").c_str()),
          {}, bound);
      auto doc = answer_or_report(cmd, answer, rc);
      if (!doc)
        break;
      auto s = status_of(*doc, cmd);
      if (is_final(s.state)) {
        rc = show_status(cmd, s);
        break;
      }
      if (api.deadline && clock_type::now() >= *api.deadline) {
        report_no_answer(cmd, "run " + std::to_string(s.run) +
                                  " did not end within the timeout; it is " +
                                  to_string(s.state));
        rc = exit_failure;
        break;
      }
    }
  } else if (cmd.verb == "sessions") {
    std::vector<session_info> sessions;
    std::uint64_t after = 0;
    for (;;) {
      auto path = "/v1/sessions?limit=1000" +
                  (after ? "&after=" + std::to_string(after) : std::string{});
      auto doc = answer_or_report(
          cmd, api.call(net::method::get, path, {}, quick), rc);
      if (!doc)
        return rc;
      for (const auto& x : (*doc)["sessions"])
        sessions.push_back({x.value("session_id", std::uint64_t{0}),
                            x.value("agent", std::string{}),
                            x.value("last_run_id", std::uint64_t{0}),
                            state_named(x.value("last_run_status", "")),
                            x.value("resident", true)});
      if (!(*doc)["next_after"].is_number())
        break;
      after = (*doc)["next_after"].get<std::uint64_t>();
    }
    show_sessions(cmd, sessions);
  } else if (cmd.verb == "tenant") {
    auto path = "/v1/admin/tenants/" + cmd.tenant + "/" + cmd.tenant_action;
    if (auto doc = answer_or_report(
            cmd, api.call(net::method::post, path, {}, quick), rc))
      show_pause(cmd, tenant_pause_state{
                          doc->value("tenant", cmd.tenant),
                          doc->value("paused", cmd.tenant_action == "pause"),
                          doc->value("queued", std::uint32_t{0})});
  } else if (cmd.verb == "mcp-servers") {
    if (auto doc = answer_or_report(
            cmd, api.call(net::method::get, "/v1/admin/mcp-servers", {}, quick),
            rc))
      show_mcp_servers(cmd, *doc);
  } else if (cmd.verb == "cluster") {
    if (auto doc = answer_or_report(
            cmd, api.call(net::method::get, "/v1/admin/cluster", {}, quick),
            rc))
      show_cluster(cmd, *doc);
  } else if (cmd.verb == "drain" && !cmd.member.empty()) {
    // The member's sessions move before the answer: up to its drain
    // timeout, unless --timeout says otherwise.
    auto path = "/v1/admin/cluster/members/" + cmd.member + "/drain";
    if (auto doc = answer_or_report(cmd,
                                    api.call(net::method::post, path, {},
                                             api.left(milliseconds{3'600'000})),
                                    rc)) {
      member_drain_report r{doc->value("member", cmd.member),
                            doc->value("moved", std::uint64_t{0}),
                            doc->value("remaining", std::uint64_t{0})};
      rc = show_member_drain(cmd, r);
    }
  } else if (cmd.verb == "drain") {
    if (answer_or_report(
            cmd, api.call(net::method::post, "/v1/admin/drain", {}, quick),
            rc)) {
      if (cmd.json)
        std::cout << R"({"status":"draining"})" << '\n';
      else
        std::cout << "draining: new runs are refused; /readyz answers 503\n";
    }
  }
  api.client->stop();
  return rc;
}

} // namespace warden::apps
