// A stand-in for a node whose answers get lost: it speaks wardenctl's
// protocol but ignores the first get_status, await_run and keyed submit_run
// it receives, and every submit_run without a key; each request it receives
// is printed as a line ("<request> <run or key>"), so that a test can count
// how often wardenctl asked. Prints its port, then serves until killed.
//
// Usage: warden-lossy-node [--silent]
//   --silent  accept TCP connections and never say anything (a node that
//             hangs before the protocol starts); prints its port likewise

#include <arpa/inet.h>
#include <iostream>
#include <netinet/in.h>
#include <set>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/protocol.hpp"

namespace {

using namespace warden;

struct lossy_state {
  /// The requests already ignored once.
  std::set<std::string> ignored;
};

/// Whether `request` is to be answered: not the first time it is seen.
bool answer(caf::stateful_actor<lossy_state>* self,
            const std::string& request) {
  std::cout << request << std::endl;
  return !self->state.ignored.insert(request).second;
}

run_status succeeded(run_id run) {
  run_status s;
  s.run = run;
  s.session = run;
  s.tenant = "acme";
  s.agent = "researcher";
  s.state = run_state::succeeded;
  s.output = "answer";
  return s;
}

caf::behavior lossy_node(caf::stateful_actor<lossy_state>* self) {
  return {
      [self](get_status& req) -> caf::result<run_status> {
        if (!answer(self, "status " + std::to_string(req.run)))
          return caf::delegated<run_status>{};
        return succeeded(req.run);
      },
      [self](await_run& req) -> caf::result<run_status> {
        if (!answer(self, "wait " + std::to_string(req.run)))
          return caf::delegated<run_status>{};
        return succeeded(req.run);
      },
      [self](submit_run& req) -> caf::result<run_ack> {
        if (!answer(self, "submit " + req.idempotency_key) ||
            req.idempotency_key.empty())
          return caf::delegated<run_ack>{};
        return run_ack{42, 42, true};
      },
  };
}

struct config : caf::actor_system_config {
  config() {
    load<caf::io::middleman>();
    warden::add_message_types(*this);
    set("scheduler.max-threads", 1);
  }
};

/// Accepts connections on a port of 127.0.0.1 and holds them, silent.
int serve_silently() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::cerr << "warden-lossy-node: cannot listen\n";
    return 1;
  }
  std::cout << "port " << ntohs(addr.sin_port) << std::endl;
  std::vector<int> held;
  for (;;)
    if (auto c = accept(fd, nullptr, nullptr); c >= 0)
      held.push_back(c);
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string{argv[1]} == "--silent")
    return serve_silently();
  config cfg;
  caf::actor_system sys{cfg};
  auto node = sys.spawn(lossy_node);
  auto port = sys.middleman().publish(node, 0, "127.0.0.1");
  if (!port) {
    std::cerr << "warden-lossy-node: " << sys.render(port.error()) << '\n';
    return 1;
  }
  std::cout << "port " << *port << std::endl;
  // Serves until killed.
  caf::scoped_actor self{sys};
  self->receive([](caf::exit_msg&) {});
}
