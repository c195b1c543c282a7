// warden-port-fuzzer: hostile clients of a node's CAF port.
//
// Usage:
//   warden-port-fuzzer fuzz PORT SEED CASES
//       sends CASES seeded byte strings, each on a new connection: the
//       issue's 32-byte packets (0x01 or 0x00, then 31 zero bytes), random
//       bytes, valid-looking BASP headers (with and without payload), TLS
//       records of garbage, real ClientHellos mutated, truncated or followed
//       by garbage; each connection then half-closes or stays open and
//       awaits the node's reaction (up to 16 at once, 300 ms each), resets
//       at once, or is held open silent (up to 64 at once). Every 100 cases
//       and at the end it checks that the port still accepts connections.
//       Prints a summary line; exit 0 when the port stayed open, 1 (naming
//       the case) when it closed.
//   warden-port-fuzzer no-cert PORT CA_FILE
//       a TLS client that trusts CA_FILE but has no certificate; prints
//       "refused: <reason>" and exits 0 when the node ends the connection,
//       exits 1 when the node accepts it.
//   warden-port-fuzzer caf-anonymous PORT
//       a CAF client with libcaf_openssl and no credentials (its anonymous
//       ciphers); exits 0 when remote_actor fails, 1 when it gets the node.
//   warden-port-fuzzer hold PORT N SECONDS
//       opens N connections that never send a byte, prints "held N", and
//       keeps them for SECONDS (or until killed).

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <iostream>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <random>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/protocol/messages.hpp"
#include "tests/apps/fuzz_cases.hpp"

namespace {

using namespace warden::test;

/// A connected TCP socket to 127.0.0.1:port, or -1.
int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval bound{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof(bound));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const bytes& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0)
      return; // the node hung up: fine
    done += static_cast<std::size_t>(n);
  }
}

/// Connections sent and awaiting the node's reaction: it closes them, or
/// waits for more until their deadline. The fuzzer keeps a few at once, so
/// it goes no faster than the node takes connections: libcaf_openssl builds
/// a TLS context for each (milliseconds), and a backlog of thousands would
/// delay every other client's connection by seconds.
class in_flight {
 public:
  using clock = std::chrono::steady_clock;

  /// How many closed by the node, and how many it left open until their
  /// deadline.
  int closed_by_node = 0;
  int left_open = 0;

  void add(int fd) {
    entries_.push_back({fd, clock::now() + std::chrono::milliseconds{300}});
  }

  /// Waits until fewer than `limit` connections are in flight.
  void drain_to(std::size_t limit) {
    while (entries_.size() >= limit && !entries_.empty()) {
      std::vector<pollfd> polls;
      auto first = entries_.front().deadline;
      for (const auto& e : entries_) {
        polls.push_back({e.fd, POLLIN, 0});
        first = std::min(first, e.deadline);
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          first - clock::now());
      poll(polls.data(), polls.size(),
           static_cast<int>(std::max<long>(wait.count(), 0)));
      auto now = clock::now();
      std::vector<entry> rest;
      for (std::size_t i = 0; i < entries_.size(); ++i) {
        const auto& e = entries_[i];
        if (polls[i].revents != 0 && closed(e.fd)) {
          ++closed_by_node;
          close(e.fd);
        } else if (now >= e.deadline) {
          ++left_open;
          close(e.fd);
        } else {
          rest.push_back(e);
        }
      }
      entries_.swap(rest);
    }
  }

 private:
  struct entry {
    int fd;
    clock::time_point deadline;
  };

  /// Reads what the node sent; true when it closed (or reset) the
  /// connection.
  static bool closed(int fd) {
    char buf[4096];
    for (;;) {
      auto n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0)
        continue;
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }

  std::vector<entry> entries_;
};

int fuzz(std::uint16_t port, std::uint64_t seed, int cases) {
  fuzz_rng gen{seed};
  auto hellos = client_hellos();
  std::deque<int> held;
  in_flight waiting;
  int counts[fuzz_kinds] = {};
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < cases; ++i) {
    auto [kind, data] = make_fuzz_case(gen, i, hellos);
    ++counts[kind];
    waiting.drain_to(16);
    if (i % 100 == 0) { // the port still takes connections
      int probe = connect_to(port);
      if (probe < 0) {
        std::cout << "port closed before case " << i << std::endl;
        return 1;
      }
      close(probe);
    }
    int fd = connect_to(port);
    if (fd < 0) {
      std::cout << "port closed before case " << i << std::endl;
      return 1;
    }
    send_all(fd, data);
    switch (kind == half_open_kind ? 3 : below(gen, 3)) {
    case 0: // done sending: a half close, then the node's reaction
      shutdown(fd, SHUT_WR);
      waiting.add(fd);
      break;
    case 1: { // a reset at once
      linger reset{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
      close(fd);
      break;
    }
    case 2: // open, awaiting the node's reaction
      waiting.add(fd);
      break;
    default: // held open, silent
      held.push_back(fd);
      if (held.size() > 64) {
        close(held.front());
        held.pop_front();
      }
    }
  }
  waiting.drain_to(1);
  for (int fd : held)
    close(fd);
  int probe = connect_to(port);
  if (probe < 0) {
    std::cout << "port closed after the last case" << std::endl;
    return 1;
  }
  close(probe);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started)
                .count();
  std::cout << "sent " << cases << " cases in " << ms << " ms (seed " << seed
            << "):";
  for (int k = 0; k < fuzz_kinds; ++k)
    std::cout << ' ' << counts[k] << ' ' << fuzz_kind_names[k]
              << (k + 1 < fuzz_kinds ? "," : ";");
  std::cout << " the node closed " << waiting.closed_by_node
            << " of those awaited and left " << waiting.left_open
            << " open 300 ms; the port stayed open\n";
  return 0;
}

/// A TLS client that verifies the node but has no certificate of its own.
int without_certificate(std::uint16_t port, const char* ca_file) {
  int fd = connect_to(port);
  if (fd < 0) {
    std::cout << "cannot connect\n";
    return 2;
  }
  timeval bound{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca_file, nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  int rc = SSL_connect(ssl);
  char byte = 0;
  if (rc == 1) // TLS 1.3: the node judges us after our side is done
    rc = SSL_read(ssl, &byte, 1);
  int code = 0;
  if (rc > 0) {
    std::cout << "accepted\n";
    code = 1;
  } else {
    auto error = ERR_get_error();
    std::cout << "refused: "
              << (error != 0 ? ERR_reason_error_string(error)
                             : "connection closed")
              << '\n';
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  return code;
}

struct anonymous_config : caf::actor_system_config {
  anonymous_config() {
    load<caf::io::middleman>();
    load<caf::openssl::manager>();
    warden::add_message_types(*this);
    set("scheduler.max-threads", 1);
  }
};

int caf_anonymous(std::uint16_t port) {
  anonymous_config cfg;
  caf::actor_system sys{cfg};
  auto node = caf::openssl::remote_actor(sys, "127.0.0.1", port);
  if (node) {
    std::cout << "accepted\n";
    return 1;
  }
  std::cout << "refused: " << sys.render(node.error()) << '\n';
  return 0;
}

int hold(std::uint16_t port, int n, int seconds) {
  std::vector<int> held;
  for (int i = 0; i < n; ++i) {
    int fd = connect_to(port);
    if (fd < 0) {
      std::cout << "cannot connect after " << i << std::endl;
      return 1;
    }
    held.push_back(fd);
  }
  std::cout << "held " << n << std::endl;
  sleep(static_cast<unsigned>(seconds));
  for (int fd : held)
    close(fd);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 2 ? argv[1] : "";
  std::uint16_t port =
      argc > 2 ? static_cast<std::uint16_t>(std::stoul(argv[2])) : 0;
  if (mode == "fuzz" && argc == 5)
    return fuzz(port, std::stoull(argv[3]), std::stoi(argv[4]));
  if (mode == "no-cert" && argc == 4)
    return without_certificate(port, argv[3]);
  if (mode == "caf-anonymous" && argc == 3)
    return caf_anonymous(port);
  if (mode == "hold" && argc == 5)
    return hold(port, std::stoi(argv[3]), std::stoi(argv[4]));
  std::cerr << "usage: warden-port-fuzzer fuzz PORT SEED CASES | no-cert "
               "PORT CA_FILE | caf-anonymous PORT | hold PORT N SECONDS\n";
  return 2;
}
