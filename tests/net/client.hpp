#pragma once

// A blocking test client on a plain socket: it sends exactly the bytes a
// test wants, when it wants (part of a request line, a byte at a time),
// and every read is bounded by a deadline. The client's suites use it on
// the other end too, for the connections their test server accepts.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace warden::net::test {

using namespace std::chrono_literals;
using test_clock = std::chrono::steady_clock;

/// A socket that a listening socket accepted.
struct accepted_socket {
  int fd = -1;
};

/// A TCP connection to 127.0.0.1.
class client {
 public:
  /// Connects to `port`; connected() tells whether it worked.
  explicit client(std::uint16_t port);
  /// A socket not connected yet (connect() later).
  client();
  /// Takes `accepted`, a connected socket (a test server's end).
  explicit client(accepted_socket accepted);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Connects the socket made by client().
  bool connect(std::uint16_t port);

  /// Whether the connection is up.
  [[nodiscard]] bool connected() const noexcept { return connected_; }

  /// Sends all of `bytes`; false when the connection is gone.
  bool send(std::string_view bytes);

  /// Waits up to `bound` for the server to close the connection (reading
  /// and keeping what comes); true when it closed (or reset) in time.
  bool closed_within(std::chrono::milliseconds bound);

  /// Reads one response (header, then a Content-Length body) within
  /// `bound`; none when the connection closed or the time ran out first.
  std::optional<std::string> read_response(std::chrono::milliseconds bound);

  /// Reads until `marker` arrives within `bound` and returns what came up
  /// to and with it; none when the connection closed or the time ran out
  /// first (what came stays in pending()).
  std::optional<std::string> read_until(std::string_view marker,
                                        std::chrono::milliseconds bound);

  /// Reads one request within `bound`: the same framing as a response
  /// (header, then a Content-Length body).
  std::optional<std::string> read_request(std::chrono::milliseconds bound) {
    return read_response(bound);
  }

  /// What was read and not yet returned by read_response().
  [[nodiscard]] const std::string& pending() const noexcept { return in_; }

  /// Forgets what pending() holds.
  void drop_pending() noexcept { in_.clear(); }

 private:
  // Reads what is there within `bound`: >0 bytes, 0 closed, -1 time out.
  long read_some(std::chrono::milliseconds bound);

  int fd_ = -1;
  bool connected_ = false;
  std::string in_;
};

/// "GET <path> HTTP/1.1" with a Host field, ready to send.
std::string get_request(std::string_view path, bool keep_alive = true);

/// The status code of a response ("HTTP/1.1 200 OK..." -> 200); 0 when
/// the text is not a response.
int status_of(const std::string& response);

/// Polls `condition` every 10 ms until it holds (true) or `bound` passes
/// (false): for state that a test cannot wait on otherwise.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds bound) {
  auto deadline = test_clock::now() + bound;
  while (!condition()) {
    if (test_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// Milliseconds since `start`.
long long elapsed_ms(test_clock::time_point start);

} // namespace warden::net::test
