#include "net/detail/tls_contexts.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace warden::net::detail {

namespace {

namespace ssl = boost::asio::ssl;

/// Whether `path` can be opened; if not, `error` says so for `what`.
/// OpenSSL 3 reports a file it cannot open in a form Asio 1.74 has no
/// words for ("asio.ssl error"): say why first.
bool readable(const std::string& path, const char* what, std::string& error) {
  if (std::ifstream{path})
    return true;
  error = std::string{"cannot read the "} + what + " " + path + ": " +
          std::strerror(errno);
  return false;
}

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
    if (!readable(settings.ca_file, "CA file", error))
      return nullptr;
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

std::shared_ptr<ssl::context> make_server_context(const server_tls& settings,
                                                  std::string& error) {
  if (!readable(settings.cert_file, "certificate file", error) ||
      !readable(settings.key_file, "key file", error))
    return nullptr;
  std::shared_ptr<ssl::context> result;
  try {
    result = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& failure) {
    error = std::string{"cannot make a TLS context: "} + failure.what();
    return nullptr;
  }
  auto* native = result->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // Renegotiation lets a client make the server redo the costly half of a
  // handshake at will; HTTP/1.1 has no use for it.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  boost::system::error_code ec;
  result->use_certificate_chain_file(settings.cert_file, ec);
  if (ec) {
    error = "cannot load the certificate file " + settings.cert_file + ": " +
            ec.message();
    return nullptr;
  }
  // Loading the key checks it against the certificate.
  result->use_private_key_file(settings.key_file, ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(ec.value()) == X509_R_KEY_VALUES_MISMATCH) {
    error = "the key file " + settings.key_file +
            " does not hold the key of the certificate file " +
            settings.cert_file;
    return nullptr;
  }
  if (ec) {
    error =
        "cannot load the key file " + settings.key_file + ": " + ec.message();
    return nullptr;
  }
  return result;
}

} // namespace warden::net::detail
