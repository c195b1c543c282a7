#include "apps/wardenctl/api_session.hpp"

#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>
#include <utility>

#include "apps/exit_codes.hpp"
#include "apps/wardenctl/output.hpp"

namespace warden::apps::over_api {

namespace {

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

} // namespace

net::client_request api_session::request(net::method verb,
                                         const std::string& path,
                                         const char* accept) const {
  net::client_request result;
  result.verb = verb;
  result.target = origin.target(path);
  result.headers = {{"Authorization", "Bearer " + key}, {"Accept", accept}};
  return result;
}

exchange api_session::send(net::method verb, const std::string& path,
                           std::string body, milliseconds timeout,
                           const std::string& idempotency_key) {
  auto req = request(verb, path);
  if (!body.empty())
    req.headers.emplace_back("Content-Type", "application/json");
  if (!idempotency_key.empty())
    req.headers.emplace_back("Idempotency-Key", idempotency_key);
  req.body = std::move(body);
  req.timeout = timeout;
  exchange result;
  result.failure = exchange_pieces(
      std::move(req),
      [&result](const net::response_head& head) {
        result.status = head.status;
      },
      [&result](std::string_view piece) { result.body.append(piece); });
  return result;
}

std::optional<net::client_failure> api_session::exchange_pieces(
    net::client_request req,
    std::function<void(const net::response_head&)> on_head,
    std::function<void(std::string_view)> on_body) {
  auto failure = std::make_shared<std::optional<net::client_failure>>();
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  net::response_handlers handlers;
  // The handlers are done before on_done: this frame outlives them.
  handlers.on_head = std::move(on_head);
  handlers.on_body = std::move(on_body);
  handlers.on_done = [failure, done](std::optional<net::client_failure> f) {
    *failure = std::move(f);
    done->set_value();
  };
  client->send(origin, tls, std::move(req), std::move(handlers));
  finished.wait();
  return std::move(*failure);
}

milliseconds api_session::left(milliseconds fallback) const {
  return time_left(deadline).value_or(fallback);
}

exchange api_session::call(net::method verb, const std::string& path,
                           const std::string& body, milliseconds hold,
                           const std::string& idempotency_key) {
  auto backoff = milliseconds{200};
  // Without a deadline (wait), a node that stays away ends it after this.
  auto give_up = deadline.value_or(clock_type::now() + retry_without_deadline);
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

int open(const ctl_command& cmd, api_session& api) {
  std::string error;
  auto origin = net::parse_url(cmd.api, error);
  if (!origin) {
    std::cerr << "wardenctl: --api: " << error << '\n';
    return exit_usage;
  }
  auto key = read_key(cmd);
  if (!key)
    return exit_usage;
  api.cmd = &cmd;
  api.origin = *origin;
  api.key = std::move(*key);
  api.tls.ca_file = cmd.api_ca_file;
  if (api.tls.ca_file.empty())
    if (const char* from_env = std::getenv("WARDEN_API_CA_FILE"))
      api.tls.ca_file = from_env;
  net::client_options options;
  options.max_connections_per_origin = 2;
  api.client = net::http_client::start(options, error);
  if (!api.client) {
    std::cerr << "wardenctl: " << error << '\n';
    return exit_failure;
  }
  return 0;
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

int report_failure(const ctl_command& cmd, const net::client_failure& failure) {
  if (cmd.json)
    std::cout << dump(json{{"error", "transport"}, {"reason", failure.message}})
              << '\n';
  else
    std::cerr << "wardenctl: " << failure.message << '\n';
  return failure.kind == net::failure_kind::connect ||
                 failure.kind == net::failure_kind::dns
             ? exit_unreachable
             : exit_failure;
}

std::optional<json> answer_or_report(const ctl_command& cmd,
                                     const exchange& answer, int& rc) {
  if (answer.failure) {
    rc = report_failure(cmd, *answer.failure);
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

std::string path_of(const char* base, std::uint64_t id, const char* rest) {
  return std::string{base} + std::to_string(id) + rest;
}

} // namespace warden::apps::over_api
