#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "apps/tls/files.hpp"

namespace warden::tls {

/// What one TLS handshake with a node found.
struct handshake_finding {
  enum class outcome {
    /// No TCP connection (refused, timed out, no such host).
    unreachable,
    /// The node's certificate does not chain to our CA file (or is expired,
    /// or is not fit for a server): we refused it.
    node_not_trusted,
    /// The node ended the handshake, usually with an alert about our
    /// certificate (unknown CA, expired, required but missing).
    client_refused,
    /// Both ends accepted each other.
    accepted,
  };
  outcome result = outcome::unreachable;
  /// The OS's or OpenSSL's reason; empty when accepted.
  std::string reason;
};

/// Makes one TLS handshake with host:port the way libcaf_openssl 0.17.6
/// does (same certificate, key, CA file, verification and ciphers), all of
/// it bounded by `timeout`, to tell why a connection failed: CAF reports
/// only that it did. With TLS 1.3 a server judges the client's certificate
/// after the client has finished, so a finished handshake waits for the
/// node's first bytes or its alert. Blocks the calling thread; SIGPIPE is
/// held off meanwhile. `files` must be readable paths.
[[nodiscard]] handshake_finding
probe_handshake(const std::string& host, std::uint16_t port,
                const credential_files& files,
                std::chrono::milliseconds timeout);

} // namespace warden::tls
