#include "net/detail/tls_contexts.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <openssl/ssl.h>

namespace warden::net::detail {

namespace {

namespace ssl = boost::asio::ssl;

/// A new context for `settings`, or null with `error` set.
std::shared_ptr<ssl::context> make(const tls_settings& settings,
                                   std::string& error) {
  std::shared_ptr<ssl::context> result;
  try {
    result = std::make_shared<ssl::context>(ssl::context::tls_client);
  } catch (const std::exception& failure) {
    error = std::string{"cannot make a TLS context: "} + failure.what();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(result->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!settings.verify) {
    result->set_verify_mode(ssl::verify_none, ec);
    return result;
  }
  result->set_verify_mode(ssl::verify_peer, ec);
  if (settings.ca_file.empty()) {
    if (!ec)
      result->set_default_verify_paths(ec);
    if (ec) {
      error = "cannot load the system's certificate store: " + ec.message();
      return nullptr;
    }
  } else {
    // OpenSSL 3 reports a file it cannot open in a form Asio 1.74 has no
    // words for ("asio.ssl error"): say why first.
    if (!std::ifstream{settings.ca_file}) {
      error = "cannot read the CA file " + settings.ca_file + ": " +
              std::strerror(errno);
      return nullptr;
    }
    if (!ec)
      result->load_verify_file(settings.ca_file, ec);
    if (ec) {
      error =
          "cannot load the CA file " + settings.ca_file + ": " + ec.message();
      return nullptr;
    }
  }
  return result;
}

} // namespace

std::shared_ptr<ssl::context> tls_contexts::get(const tls_settings& settings,
                                                std::string& error) {
  std::lock_guard<std::mutex> guard{mutex_};
  // Without verification the CA file plays no part.
  auto key = std::make_pair(settings.verify,
                            settings.verify ? settings.ca_file : std::string{});
  auto i = made_.find(key);
  if (i != made_.end())
    return i->second;
  auto made = make(settings, error);
  if (made)
    made_.emplace(std::move(key), made);
  return made;
}

} // namespace warden::net::detail
