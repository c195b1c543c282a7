// A peer that connects to a node port through mutual TLS (client files in
// TLS_DIR), then sends nothing, and reports when the node closes the
// connection: "closed after N ms" (exit 0), or "still connected after S s"
// (exit 1). Exit 2 when it cannot connect.
//
// Usage: warden-idle-peer PORT TLS_DIR SECONDS

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/remote_actor.hpp>

#include "apps/tls/caf_tls.hpp"
#include "apps/tls/files.hpp"
#include "apps/tls/pinned.hpp"

int main(int argc, char** argv) {
  using namespace warden;
  if (argc != 4) {
    std::cerr << "usage: warden-idle-peer PORT TLS_DIR SECONDS\n";
    return 2;
  }
  auto port = static_cast<std::uint16_t>(std::stoul(argv[1]));
  auto seconds = std::stoi(argv[3]);
  auto pinned = tls::pinned_credentials::pin(tls::client_files_in(argv[2]));
  if (!pinned) {
    std::cerr << "warden-idle-peer: " << pinned.error->to_string() << '\n';
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  if (!tls::use_mutual_tls(cfg, pinned.value.paths()))
    return 2;
  caf::actor_system sys{cfg};
  auto node = caf::openssl::remote_actor(sys, "127.0.0.1", port);
  if (!node) {
    std::cerr << "warden-idle-peer: " << sys.render(node.error()) << '\n';
    return 2;
  }
  caf::scoped_actor self{sys};
  self->monitor(*node);
  auto start = std::chrono::steady_clock::now();
  int rc = 1;
  self->receive(
      [&](caf::down_msg&) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        std::cout << "closed after " << ms << " ms" << std::endl;
        rc = 0;
      },
      caf::after(std::chrono::seconds{seconds}) >>
          [&] {
            std::cout << "still connected after " << seconds << " s"
                      << std::endl;
          });
  return rc;
}
