#pragma once

#include <cstdint>
#include <string>

namespace warden::config {

/// A host and port to listen on or connect to.
struct endpoint {
  /// Interface address; listeners default to the loopback interface.
  std::string host = "127.0.0.1";
  /// TCP port; 0 asks the OS for an ephemeral port.
  std::uint16_t port = 0;
};

/// [node]: identity and resources of this node.
struct node_settings {
  /// Name of this node among its peers. Default "warden-1".
  std::string name = "warden-1";
  /// Directory of the node's database and files. Default "./var".
  std::string data_dir = "./var";
  /// Scheduler worker threads; 0 means one per core. Default 0.
  std::uint32_t scheduler_threads = 0;
  /// Where the node's entry actor is published. Default 127.0.0.1:4242.
  endpoint listen{"127.0.0.1", 4242};
};

/// [metrics]: the Prometheus endpoint.
struct metrics_settings {
  /// Address of the /metrics endpoint. Default 127.0.0.1:9464.
  endpoint listen{"127.0.0.1", 9464};
};

/// A whole configuration file. Every field has its default in-class, so an
/// empty file is a valid configuration.
struct settings {
  node_settings node;
  metrics_settings metrics;
};

} // namespace warden::config
