#pragma once

// The API's routes served over a loopback socket, with a real actor system
// and a node of the suite's own that answers as the node's protocol says:
// what the suites using it test is the HTTP side. Keys: wk_acme (acme),
// wk_globex (globex), wk_ops (admin). Include after
// <caf/test/unit_test.hpp>.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/protocol/messages.hpp"
#include "net/http_server.hpp"
#include "tests/net/client.hpp"

#include "api/keys.hpp"
#include "api/routes.hpp"

namespace warden::api::test {

using namespace std::chrono_literals;
using warden::net::test::client;

struct config : caf::actor_system_config {
  config() {
    warden::add_message_types(*this);
    set("scheduler.max-threads", 2);
  }
};

struct api_fixture {
  config cfg;
  caf::actor_system sys{cfg};
  caf::actor node;
  std::unique_ptr<net::http_server> server;
  /// Reasons handed to on_auth_failure, in order.
  std::shared_ptr<std::vector<std::string>> refusals =
      std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::mutex> refusals_mutex = std::make_shared<std::mutex>();

  /// Serves the routes for the node `spawn_node` spawns.
  template <class Behavior>
  explicit api_fixture(Behavior spawn_node) : node(sys.spawn(spawn_node)) {
    auto ctx = std::make_shared<api_context>();
    ctx->system = &sys;
    ctx->node = node;
    auto keys = std::make_shared<const key_table>(
        std::vector<key_entry>{{"acme-ci", "acme", false, sha256("wk_acme")},
                               {"globex", "globex", false, sha256("wk_globex")},
                               {"ops", "", true, sha256("wk_ops")}});
    ctx->keys = [keys] { return keys; };
    ctx->node_timeout = 5'000ms;
    ctx->agents = {"researcher"};
    ctx->on_auth_failure = [seen = refusals,
                            mutex = refusals_mutex](const char* reason) {
      std::lock_guard<std::mutex> guard{*mutex};
      seen->emplace_back(reason);
    };
    net::router routes;
    CAF_REQUIRE(add_routes(routes, ctx));
    std::string error;
    server = net::http_server::start(net::server_options{}, std::move(routes),
                                     error);
    if (!server)
      CAF_FAIL("cannot serve: " << error);
  }

  ~api_fixture() {
    // The server first: its routes hold the node's handle.
    server.reset();
    caf::anon_send_exit(node, caf::exit_reason::kill);
  }

  /// One request, its whole response (header and body).
  std::string call(const std::string& method, const std::string& path,
                   const std::string& key = {}, const std::string& body = {},
                   const std::string& extra = {}) {
    client c{server->port()};
    std::string request =
        method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra;
    if (!key.empty())
      request += "Authorization: Bearer " + key + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) +
               "\r\nContent-Type: application/json\r\n\r\n" + body;
    CAF_REQUIRE(c.send(request));
    auto answer = c.read_response(10s);
    CAF_REQUIRE(answer);
    return *answer;
  }

  /// A POST of `body` to `path` whose answer is a stream: its header and
  /// chunks up to the last.
  std::string call_streamed(const std::string& path, const std::string& body,
                            const std::string& key = "wk_acme") {
    client c{server->port()};
    CAF_REQUIRE(c.send(post(path, body, key)));
    auto answer = c.read_until("\r\n0\r\n\r\n", 10s);
    CAF_REQUIRE(answer);
    return *answer;
  }

  /// The text of a POST of `body` to `path` with `key`.
  static std::string post(const std::string& path, const std::string& body,
                          const std::string& key = "wk_acme") {
    return "POST " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key +
           "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nContent-Type: application/json\r\n\r\n" + body;
  }

  static nlohmann::json body_of(const std::string& response) {
    return nlohmann::json::parse(
        response.substr(response.find("\r\n\r\n") + 4));
  }
};

inline bool has(const std::string& response, const std::string& part) {
  return response.find(part) != std::string::npos;
}

} // namespace warden::api::test
