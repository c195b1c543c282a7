#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "config/endpoint.hpp"

namespace warden::config {

/// [api.keys.<id>]: one API key, by the SHA-256 of the key (the key itself
/// is never written down). The id names the key in logs and metrics.
struct api_key_settings {
  /// The tenant the key speaks for; required unless `admin`. Default "".
  std::string tenant;
  /// An operator's key: drain, tenant pause and resume; speaks for no
  /// tenant. Default false.
  bool admin = false;
  /// SHA-256 of the key, 64 hex digits (`wardenctl new-api-key` prints a
  /// new key and its digest). Required.
  std::string sha256;
};

/// [api]: the HTTP API (REST resources for tenants' keys).
struct api_settings {
  /// Address of the HTTP API; must differ from node.listen and
  /// metrics.listen; off (`""`) serves nothing. Default 127.0.0.1:8080.
  endpoint listen{"127.0.0.1", 8080};
  /// HTTPS: the server's certificate (PEM, then its chain up to the root),
  /// and its private key (PEM, unencrypted). Both or neither; neither
  /// serves plain HTTP. Read at start and again on SIGHUP (a renewed
  /// certificate needs no restart). Default "" (plain HTTP).
  std::string tls_cert;
  std::string tls_key;
  /// Threads serving connections (parsing, writing; the work is the
  /// node's). Range [1, 64]. Default 2.
  std::uint32_t threads = 2;
  /// Connections open at once; one beyond is closed at once, unread.
  /// Range [1, 65536]. Default 1024.
  std::uint32_t max_connections = 1024;
  /// Time for a request's header to arrive whole, in milliseconds: from the
  /// accept, or from a kept-alive request's first byte. Range [1, 3600000].
  /// Default 10000.
  std::uint64_t header_timeout_ms = 10'000;
  /// Time for a request's body to arrive after its header, in
  /// milliseconds. Range [1, 3600000]. Default 30000.
  std::uint64_t body_timeout_ms = 30'000;
  /// How long a kept-alive connection may wait for its next request, in
  /// milliseconds. Range [1, 3600000]. Default 120000.
  std::uint64_t idle_timeout_ms = 120'000;
  /// Time to write one answer, in milliseconds. Range [1, 3600000].
  /// Default 30000.
  std::uint64_t write_timeout_ms = 30'000;
  /// Largest request header, in bytes (431 beyond). Range [1024, 1048576].
  /// Default 16384.
  std::uint32_t max_header_bytes = 16'384;
  /// Largest request body, in bytes (413 beyond). Range [1024, 67108864].
  /// Default 1048576.
  std::uint64_t max_body_bytes = 1'048'576;
  /// How long a question to the node may take before the client gets 504,
  /// in milliseconds. Range [1, 3600000]. Default 10000.
  std::uint64_t node_timeout_ms = 10'000;
  /// The longest `?wait=` a client may ask for on a run, in milliseconds;
  /// longer waits are cut to it. Range [0, 3600000]. Default 30000.
  std::uint64_t max_wait_ms = 30'000;
  /// How long `POST /v1/chat/completions` waits for its run to end before
  /// answering 504 (the run goes on), in milliseconds. Range [1, 86400000].
  /// Default 600000 (the OpenAI SDKs' own timeout).
  std::uint64_t completion_timeout_ms = 600'000;
  /// [api.keys.<id>]. Default none (every request but /healthz and
  /// /readyz is refused 401).
  std::map<std::string, api_key_settings> keys;
};

} // namespace warden::config
