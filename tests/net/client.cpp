#include "tests/net/client.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace warden::net::test {

client::client() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  // nop
}

client::client(accepted_socket accepted)
    : fd_(accepted.fd), connected_(accepted.fd >= 0) {
  // nop
}

client::client(std::uint16_t port) : client() {
  connect(port);
}

client::~client() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool client::connect(std::uint16_t port) {
  if (fd_ < 0)
    return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address),
                         sizeof(address)) == 0;
  return connected_;
}

bool client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

long client::read_some(std::chrono::milliseconds bound) {
  pollfd waiting{fd_, POLLIN, 0};
  auto ready = ::poll(&waiting, 1, static_cast<int>(bound.count()));
  if (ready == 0)
    return -1;
  char chunk[4096];
  auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0)
    return 0; // closed or reset
  in_.append(chunk, static_cast<std::size_t>(n));
  return n;
}

bool client::closed_within(std::chrono::milliseconds bound) {
  auto deadline = test_clock::now() + bound;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - test_clock::now());
    if (left.count() < 0)
      return false;
    auto n = read_some(left);
    if (n == 0)
      return true;
    if (n < 0)
      return false;
  }
}

std::optional<std::string> client::read_until(std::string_view marker,
                                              std::chrono::milliseconds bound) {
  auto deadline = test_clock::now() + bound;
  for (;;) {
    auto at = in_.find(marker);
    if (at != std::string::npos) {
      auto result = in_.substr(0, at + marker.size());
      in_.erase(0, at + marker.size());
      return result;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - test_clock::now());
    if (left.count() < 0 || read_some(left) <= 0)
      return std::nullopt;
  }
}

std::optional<std::string>
client::read_response(std::chrono::milliseconds bound) {
  auto deadline = test_clock::now() + bound;
  for (;;) {
    auto end = in_.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t length = 0;
      auto field = in_.find("Content-Length: ");
      if (field != std::string::npos && field < end)
        length = std::strtoul(in_.c_str() + field + 16, nullptr, 10);
      auto total = end + 4 + length;
      if (in_.size() >= total) {
        auto result = in_.substr(0, total);
        in_.erase(0, total);
        return result;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - test_clock::now());
    if (left.count() < 0 || read_some(left) <= 0)
      return std::nullopt;
  }
}

std::string get_request(std::string_view path, bool keep_alive) {
  std::string result = "GET ";
  result.append(path.data(), path.size());
  result += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!keep_alive)
    result += "Connection: close\r\n";
  result += "\r\n";
  return result;
}

int status_of(const std::string& response) {
  if (response.compare(0, 9, "HTTP/1.1 ") != 0 || response.size() < 12)
    return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

long long elapsed_ms(test_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             test_clock::now() - start)
      .count();
}

} // namespace warden::net::test
