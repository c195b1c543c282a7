#include "tests/net/script_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace warden::net::test {

void gate::open() {
  std::lock_guard<std::mutex> guard{mutex_};
  open_ = true;
  opened_.notify_all();
}

bool gate::wait(std::chrono::milliseconds bound) {
  std::unique_lock<std::mutex> guard{mutex_};
  return opened_.wait_for(guard, bound, [this] { return open_; });
}

script_server::script_server(script each)
    : script_(std::move(each)),
      listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  if (listener_ < 0 ||
      ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) !=
          0) {
    std::perror("script_server");
    return;
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread{[this] { accept_loop(); }};
}

script_server::~script_server() {
  stopping_ = true;
  if (acceptor_.joinable())
    acceptor_.join();
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (int fd : open_fds_)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& thread : scripts_)
    thread.join();
  if (listener_ >= 0)
    ::close(listener_);
}

void script_server::accept_loop() {
  while (!stopping_) {
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, 20) <= 0)
      continue;
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    auto index = accepted_++;
    auto now = ++open_;
    auto most = most_open_.load();
    while (now > most && !most_open_.compare_exchange_weak(most, now)) {
      // `most` now holds the current value; try again.
    }
    std::lock_guard<std::mutex> guard{mutex_};
    open_fds_.push_back(fd);
    scripts_.emplace_back([this, fd, index] { serve(fd, index); });
  }
}

void script_server::serve(int fd, std::size_t index) {
  client peer{accepted_socket{fd}};
  script_(peer, index);
  {
    // Forgotten before it closes: the destructor shuts down open ones
    // only, never a number the system gave to another socket since.
    std::lock_guard<std::mutex> guard{mutex_};
    open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
  }
  --open_;
}

std::string ok_response(std::string_view body, bool close) {
  std::string result = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
  if (close)
    result += "Connection: close\r\n";
  result += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  result.append(body.data(), body.size());
  return result;
}

std::string chunked_head() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
         "Transfer-Encoding: chunked\r\n\r\n";
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string result = size;
  result.append(data.data(), data.size());
  result += "\r\n";
  return result;
}

void answer_all(client& peer, std::string_view body) {
  while (peer.read_request(5s))
    if (!peer.send(ok_response(body)))
      return;
}

} // namespace warden::net::test
