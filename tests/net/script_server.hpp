#pragma once

// The HTTP client suites' server. It is ours, and exists to shape faults
// and timing: each connection it accepts runs the test's script on a
// thread of its own, through the bounded reads of `client`: answer,
// answer slowly, stream a body a piece at a time, cut a body, say
// nothing, close.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/net/client.hpp"

namespace warden::net::test {

/// A flag one thread raises and others wait for, each wait bounded.
class gate {
 public:
  /// Raises the flag; every wait() returns true from now on.
  void open();

  /// Waits up to `bound` for open(); whether it came.
  bool wait(std::chrono::milliseconds bound);

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

/// A TCP server on 127.0.0.1, an ephemeral port.
class script_server {
 public:
  /// What one connection does: `peer` is its socket, `index` counts the
  /// connections accepted before it.
  using script = std::function<void(client& peer, std::size_t index)>;

  /// Listens and runs `each` for every connection.
  explicit script_server(script each);

  /// Stops accepting, shuts every connection still open down (scripts
  /// reading see the close) and joins the scripts.
  ~script_server();

  script_server(const script_server&) = delete;
  script_server& operator=(const script_server&) = delete;

  /// The bound port.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  /// Connections accepted so far.
  [[nodiscard]] std::size_t accepted() const noexcept { return accepted_; }

  /// Connections whose script still runs.
  [[nodiscard]] std::size_t open_now() const noexcept { return open_; }

  /// The most connections whose scripts ran at once.
  [[nodiscard]] std::size_t most_open() const noexcept { return most_open_; }

 private:
  void accept_loop();
  void serve(int fd, std::size_t index);

  script script_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> most_open_{0};
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::vector<std::thread> scripts_;
  std::thread acceptor_;
};

/// A 200 response with `body` and its Content-Length; `close` adds
/// `Connection: close`.
std::string ok_response(std::string_view body, bool close = false);

/// The head of a 200 response with a chunked body.
std::string chunked_head();

/// `data` as one chunk of a chunked body.
std::string chunk(std::string_view data);

/// The last chunk: the end of a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

/// Serves every request on the connection with ok_response(`body`) until
/// the client closes it (or nothing comes for 5 s).
void answer_all(client& peer, std::string_view body);

} // namespace warden::net::test
