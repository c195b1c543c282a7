#pragma once

// The endpoint of warden-provider-bench: an OpenAI-compatible
// chat-completions server on 127.0.0.1 that answers every call after a fixed
// latency with the same small completion (usage included), on threads of
// its own. Both sides of the benchmark call it, so what they add is all
// that differs.

#include <chrono>
#include <memory>
#include <string>

namespace warden::bench {

/// A running fixed-latency server.
class latency_server {
 public:
  /// Starts on an ephemeral loopback port; null and `error` set on failure.
  [[nodiscard]] static std::unique_ptr<latency_server>
  start(std::chrono::microseconds latency, std::string& error);

  ~latency_server();

  latency_server(const latency_server&) = delete;
  latency_server& operator=(const latency_server&) = delete;

  /// The base URL of its API ("http://127.0.0.1:PORT/v1").
  [[nodiscard]] std::string base_url() const;

 private:
  struct impl;
  explicit latency_server(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace warden::bench
