// wardenctl over HTTP (--api URL): the same commands, output and exit
// codes as over CAF, through the node's HTTP API with a tenant's (or, for
// drain and tenant, an admin's) bearer key. Requests that could start something
// (submit, turn) always carry an Idempotency-Key (--key, or one made
// here), so that a request whose answer was lost is simply sent again:
// no process per attempt, as the CAF path needs.

#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "apps/exit_codes.hpp"
#include "apps/wardenctl/commands.hpp"
#include "apps/wardenctl/output.hpp"
#include "net/http_client.hpp"
#include "net/url.hpp"

namespace warden::apps {

namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

/// How long `wait` asks the node to hold each request.
constexpr milliseconds wait_bound{25'000};
/// Time for an answer beyond what the request itself may take.
constexpr milliseconds answer_grace{5'000};
/// How long requests that failed before an answer are sent again when the
/// command has no deadline.
constexpr milliseconds retry_without_deadline{10'000};

/// One answer of the API, or how the exchange failed.
struct exchange {
  std::optional<net::client_failure> failure;
  unsigned status = 0;
  std::string body;
};

/// What wardenctl needs to talk to the API.
struct api_session {
  const ctl_command* cmd = nullptr;
  net::url origin;
  std::string key;
  std::unique_ptr<net::http_client> client;
  std::optional<clock_type::time_point> deadline;

  /// Sends one request and waits for its answer (or its failure).
  exchange send(net::method verb, const std::string& path, std::string body,
                milliseconds timeout, const std::string& idempotency_key = {}) {
    net::client_request request;
    request.verb = verb;
    request.target = origin.target(path);
    request.headers = {{"Authorization", "Bearer " + key},
                       {"Accept", "application/json"}};
    if (!body.empty())
      request.headers.emplace_back("Content-Type", "application/json");
    if (!idempotency_key.empty())
      request.headers.emplace_back("Idempotency-Key", idempotency_key);
    request.body = std::move(body);
    request.timeout = timeout;
    auto result = std::make_shared<exchange>();
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    net::response_handlers handlers;
    handlers.on_head = [result](const net::response_head& head) {
      result->status = head.status;
    };
    handlers.on_body = [result](std::string_view piece) {
      result->body.append(piece);
    };
    handlers.on_done = [result, done](std::optional<net::client_failure> f) {
      result->failure = std::move(f);
      done->set_value();
    };
    client->send(origin, net::tls_settings{}, std::move(request),
                 std::move(handlers));
    finished.wait();
    return std::move(*result);
  }

  /// Time left until the deadline (at least 1 ms), or `fallback` without
  /// one.
  milliseconds left(milliseconds fallback) const {
    return time_left(deadline).value_or(fallback);
  }

  /// Sends until an answer comes: a request that failed before an answer
  /// (no connection, a reset, a timeout) is sent again after a backoff,
  /// until the deadline. Every request here is safe to repeat (reads, a
  /// cancel, a pause or resume, and starts that carry an Idempotency-Key).
  exchange call(net::method verb, const std::string& path,
                const std::string& body, milliseconds hold,
                const std::string& idempotency_key = {}) {
    auto backoff = milliseconds{200};
    // Without a deadline (wait), a node that stays away ends it after this.
    auto give_up =
        deadline.value_or(clock_type::now() + retry_without_deadline);
    for (;;) {
      auto answer =
          send(verb, path, body, left(hold + answer_grace), idempotency_key);
      if (!answer.failure)
        return answer;
      auto kind = answer.failure->kind;
      bool again = kind == net::failure_kind::connect ||
                   kind == net::failure_kind::reset ||
                   kind == net::failure_kind::timeout;
      if (!again || clock_type::now() + backoff >= give_up)
        return answer;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, milliseconds{2'000});
    }
  }
};

/// The key from --api-key-file (its first line) or WARDEN_API_KEY.
std::optional<std::string> read_key(const ctl_command& cmd) {
  if (!cmd.api_key_file.empty()) {
    std::ifstream in{cmd.api_key_file};
    std::string line;
    if (!in || !std::getline(in, line)) {
      std::cerr << "wardenctl: cannot read the API key from "
                << cmd.api_key_file << '\n';
      return std::nullopt;
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.pop_back();
    return line;
  }
  if (const char* key = std::getenv("WARDEN_API_KEY"); key && *key)
    return std::string{key};
  std::cerr << "wardenctl: --api needs a key: --api-key-file FILE or "
               "WARDEN_API_KEY\n";
  return std::nullopt;
}

/// A key for a start the user gave none for: retries then find the run.
std::string made_key() {
  std::random_device entropy;
  std::ostringstream out;
  out << "wardenctl-" << std::hex << entropy() << entropy() << entropy();
  return out.str();
}

run_state state_named(const std::string& name) {
  for (auto x : {run_state::queued, run_state::running, run_state::succeeded,
                 run_state::failed, run_state::cancelled, run_state::timed_out,
                 run_state::shed})
    if (name == to_string(x))
      return x;
  return run_state::failed;
}

run_status status_of(const json& x, const ctl_command& cmd) {
  run_status s;
  s.run = x.value("run_id", std::uint64_t{0});
  s.session = x.value("session_id", std::uint64_t{0});
  s.tenant = cmd.tenant;
  s.agent = x.value("agent", std::string{});
  s.state = state_named(x.value("status", std::string{}));
  s.output = x.value("output", std::string{});
  s.reason = x.value("reason", std::string{});
  s.model = x.value("model", std::string{});
  if (auto u = x.find("usage"); u != x.end() && u->is_object()) {
    s.usage.prompt_tokens = u->value("prompt_tokens", std::uint64_t{0});
    s.usage.completion_tokens = u->value("completion_tokens", std::uint64_t{0});
    s.usage.cost_micros = u->value("cost_micros", std::uint64_t{0});
    s.usage.model_calls = u->value("model_calls", std::uint32_t{0});
    s.usage.tool_calls = u->value("tool_calls", std::uint32_t{0});
    s.usage.retries = u->value("retries", std::uint32_t{0});
    s.usage.iterations = u->value("iterations", std::uint32_t{0});
  }
  return s;
}

/// The answer's JSON, or nothing once the failure or refusal is printed
/// (`rc` then holds the exit code).
std::optional<json> answer_or_report(const ctl_command& cmd,
                                     const exchange& answer, int& rc) {
  if (answer.failure) {
    auto kind = answer.failure->kind;
    if (cmd.json)
      std::cout << dump(json{{"error", "transport"},
                             {"reason", answer.failure->message}})
                << '\n';
    else
      std::cerr << "wardenctl: " << answer.failure->message << '\n';
    rc = kind == net::failure_kind::connect || kind == net::failure_kind::dns
             ? exit_unreachable
             : exit_failure;
    return std::nullopt;
  }
  auto doc = json::parse(answer.body, nullptr, false);
  if (answer.status >= 200 && answer.status < 300 && !doc.is_discarded())
    return doc;
  std::string code = "http_" + std::to_string(answer.status);
  std::string reason = "the API answered " + std::to_string(answer.status);
  if (!doc.is_discarded() && doc.contains("error") &&
      doc["error"].is_object()) {
    code = doc["error"].value("code", code);
    reason = doc["error"].value("message", reason);
  }
  rc = show_refusal(cmd, code, reason);
  return std::nullopt;
}

std::string path_of(const char* base, std::uint64_t id, const char* rest = "") {
  return std::string{base} + std::to_string(id) + rest;
}

} // namespace

int run_api_command(const ctl_command& cmd) {
  std::string error;
  auto origin = net::parse_url(cmd.api, error);
  if (!origin) {
    std::cerr << "wardenctl: --api: " << error << '\n';
    return exit_usage;
  }
  auto key = read_key(cmd);
  if (!key)
    return exit_usage;
  api_session api;
  api.cmd = &cmd;
  api.origin = *origin;
  api.key = std::move(*key);
  net::client_options options;
  options.max_connections_per_origin = 2;
  api.client = net::http_client::start(options, error);
  if (!api.client) {
    std::cerr << "wardenctl: " << error << '\n';
    return exit_failure;
  }
  auto waits = cmd.verb == "wait";
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
