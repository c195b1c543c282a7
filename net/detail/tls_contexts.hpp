#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <boost/asio/ssl/context.hpp>

#include "net/client_options.hpp"
#include "net/server_options.hpp"

namespace warden::net::detail {

/// The OpenSSL contexts of a client, one for each tls_settings, made when
/// first needed and kept: loading a CA store costs milliseconds, a context
/// serves any number of connections. Thread-safe.
class tls_contexts {
 public:
  /// The context for `settings`: TLS 1.2 or later; with verify, peer
  /// verification against the system's store or `settings.ca_file`. Null
  /// when it cannot be made, with `error` a sentence saying why (a CA
  /// file that does not load).
  std::shared_ptr<boost::asio::ssl::context> get(const tls_settings& settings,
                                                 std::string& error);

 private:
  std::mutex mutex_;
  std::map<std::pair<bool, std::string>,
           std::shared_ptr<boost::asio::ssl::context>>
      made_;
};

/// A server's context for `settings`: TLS 1.2 or later, the certificate
/// chain and key of `settings`, checked against each other. Null when they
/// do not load, with `error` a sentence naming the file and why.
std::shared_ptr<boost::asio::ssl::context>
make_server_context(const server_tls& settings, std::string& error);

} // namespace warden::net::detail
