// A program that links Warden (warden::runtime), registers a C++ tool, starts
// a node inside its own actor system, and spawns sessions by sending actor
// messages to the node: a first turn with submit_run, a second turn on the
// same session with send_turn, then the result of each with await_run.
//
// Build it in-tree (target warden-example) or against an installed Warden:
//   find_package(warden CONFIG REQUIRED)
//   target_link_libraries(app PRIVATE warden::runtime)

#include <algorithm>
#include <cctype>
#include <iostream>
#include <warden/actors/dependencies/tool_registry.hpp>
#include <warden/actors/node/start.hpp>
#include <warden/actors/protocol/error.hpp>
#include <warden/actors/protocol/messages.hpp>
#include <warden/config/settings.hpp>

#include <caf/all.hpp>

namespace {

/// The node's configuration, in code: one tenant, the built-in scripted
/// provider, and an agent whose only tool is the C++ tool registered below.
warden::config::settings make_settings() {
  warden::config::settings s;
  s.tiers["pro"] = {};
  s.tenants["acme"].tier = "pro";
  s.providers["scripted"] = {};
  warden::config::tool_settings shout;
  shout.kind = warden::config::tool_kind::native;
  shout.side_effect = warden::config::side_effect_kind::pure;
  s.tools["shout"] = shout;
  warden::config::agent_settings agent;
  agent.provider = "scripted";
  agent.tools = {"shout"};
  s.agents["assistant"] = agent;
  return s;
}

/// A C++ tool: upper-cases its arguments.
warden::tool_result shout(const std::string& arguments, const std::string&) {
  auto text = arguments;
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return warden::tool_result::ok(text);
}

struct example_config : caf::actor_system_config {
  example_config() {
    warden::add_message_types(*this);
    set("scheduler.max-threads", 2);
  }
};

} // namespace

int main() {
  example_config cfg;
  caf::actor_system sys{cfg};
  warden::tool_registry tools;
  warden::tool_options pure_inline;
  pure_inline.side_effect = warden::config::side_effect_kind::pure;
  if (auto err = tools.add("shout", pure_inline, shout)) {
    std::cerr << "cannot register tool: " << sys.render(err) << '\n';
    return 1;
  }
  // In memory: this example keeps nothing. A node given a data directory
  // (the default, `node_storage{}`) keeps runs in RocksDB there and resumes
  // unfinished ones when it starts again.
  warden::node_storage storage;
  storage.in_memory = true;
  auto node = warden::start_node(sys, make_settings(), tools, nullptr, storage);
  if (!node) {
    std::cerr << "cannot start node: " << warden::error_reason(node.error())
              << '\n';
    return 1;
  }
  caf::scoped_actor self{sys};
  int rc = 0;
  auto fail = [&](caf::error& err) {
    std::cerr << "error: " << warden::error_reason(err) << '\n';
    rc = 1;
  };
  auto await = [&](warden::run_id run) {
    self->request(node->node, std::chrono::seconds{10},
                  warden::await_run{"acme", run})
        .receive(
            [&](warden::run_status& status) {
              std::cout << "run " << status.run << " "
                        << warden::to_string(status.state) << ": "
                        << status.output << " (" << status.usage.tool_calls
                        << " tool calls)\n";
              if (status.state != warden::run_state::succeeded)
                rc = 1;
            },
            fail);
  };
  warden::session_id session = 0;
  self->request(node->node, std::chrono::seconds{10},
                warden::submit_run{"acme", "assistant", "hello", "", ""})
      .receive(
          [&](warden::run_ack& ack) {
            session = ack.session;
            await(ack.run);
          },
          fail);
  if (session != 0)
    self->request(node->node, std::chrono::seconds{10},
                  warden::send_turn{"acme", session, "and again", "", "", ""})
        .receive([&](warden::run_ack& ack) { await(ack.run); }, fail);
  warden::stop_node(*node);
  return rc;
}
