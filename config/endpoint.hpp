#pragma once

#include <cstdint>
#include <string>

namespace warden::config {

/// A host and port to listen on or connect to, written "host:port" in the
/// file ("[::1]:4242" for IPv6 addresses).
struct endpoint {
  /// Host name or address; listeners default to the loopback interface.
  std::string host = "127.0.0.1";
  /// TCP port; 0 asks the OS for an ephemeral port.
  std::uint16_t port = 0;

  /// Renders the endpoint the way the file writes it ("host:port"; "" when
  /// off).
  [[nodiscard]] std::string to_string() const;

  /// Whether this is a listener turned off (written "" in the file, where
  /// the key allows it): no host.
  [[nodiscard]] bool is_off() const noexcept { return host.empty(); }

  /// Same host (as written) and same port.
  friend bool operator==(const endpoint& x, const endpoint& y) {
    return x.host == y.host && x.port == y.port;
  }
  /// Negation of ==.
  friend bool operator!=(const endpoint& x, const endpoint& y) {
    return !(x == y);
  }
};

} // namespace warden::config
