// A stand-in for a node whose answers get lost: it speaks wardenctl's
// protocol but ignores the first get_status, await_run and keyed submit_run
// it receives, and every submit_run without a key; each request it receives
// is printed as a line ("<request> <run or key>"), so that a test can count
// how often wardenctl asked. Like wardend, it takes mutual TLS only, with a
// private PKI in TLS_DIR (created when absent; clients use
// `wardenctl --tls-dir TLS_DIR`). Prints its port, then serves until killed.
//
// Usage: warden-lossy-node TLS_DIR | warden-lossy-node --silent
//   --silent  accept TCP connections and never say anything (a node that
//             hangs before the protocol starts); prints its port likewise

#include <arpa/inet.h>
#include <iostream>
#include <netinet/in.h>
#include <optional>
#include <set>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/protocol/messages.hpp"
#include "apps/tls/caf_tls.hpp"
#include "apps/tls/check.hpp"
#include "apps/tls/pinned.hpp"
#include "apps/tls/private_pki.hpp"

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
  explicit config(const tls::credential_files& files) {
    load<caf::io::middleman>();
    complete = tls::use_mutual_tls(*this, files);
    warden::add_message_types(*this);
    set("scheduler.max-threads", 1);
  }
  bool complete = false;
};

/// The node's pinned credentials from the private PKI in `dir`; none after
/// printing why.
std::optional<tls::pinned_credentials> node_credentials(const char* dir) {
  auto pki = tls::ensure_private_pki(dir, "lossy");
  if (!pki) {
    std::cerr << "warden-lossy-node: " << pki.error->to_string() << '\n';
    return std::nullopt;
  }
  auto checked = tls::check_credentials(pki.value.node, tls::tls_role::node,
                                        {"cert", "key", "ca"});
  auto pinned = tls::pinned_credentials::pin(pki.value.node);
  if (!checked || !pinned) {
    std::cerr << "warden-lossy-node: "
              << (checked ? pinned.error : checked.error)->to_string() << '\n';
    return std::nullopt;
  }
  return std::move(pinned.value);
}

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
  if (argc != 2) {
    std::cerr << "usage: warden-lossy-node TLS_DIR | --silent\n";
    return 2;
  }
  if (std::string{argv[1]} == "--silent")
    return serve_silently();
  auto credentials = node_credentials(argv[1]);
  if (!credentials)
    return 1;
  config cfg{credentials->paths()};
  if (!cfg.complete)
    return 1;
  caf::actor_system sys{cfg};
  auto node = sys.spawn(lossy_node);
  auto port = caf::openssl::publish(node, 0, "127.0.0.1");
  if (!port) {
    std::cerr << "warden-lossy-node: " << sys.render(port.error()) << '\n';
    return 1;
  }
  std::cout << "port " << *port << std::endl;
  // Serves until killed.
  caf::scoped_actor self{sys};
  self->receive([](caf::exit_msg&) {});
}
