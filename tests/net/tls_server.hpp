#pragma once

// The HTTPS side of the client's suites: a certificate authority and
// server certificates made at test time, and a TLS server (Beast on an
// Asio SSL stream) that answers every request. Both are ours, for tests.

#include <cstdint>
#include <memory>
#include <string>

namespace warden::net::test {

/// Keys and certificates made with the `openssl` command line in a
/// temporary folder, removed with the object: a CA, a server certificate
/// it signed for `localhost` and 127.0.0.1, one it signed for
/// `elsewhere.test` only, and a second CA that signed nothing here.
class test_pki {
 public:
  test_pki();
  ~test_pki();
  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  /// Empty when everything was made, else what failed.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

  /// The CA that signed the server certificates (PEM).
  [[nodiscard]] std::string ca_file() const { return dir_ + "/ca.pem"; }

  /// A CA that signed none of them (PEM).
  [[nodiscard]] std::string other_ca_file() const {
    return dir_ + "/other-ca.pem";
  }

  /// The certificate and key for `localhost` and 127.0.0.1.
  [[nodiscard]] std::string local_cert() const { return dir_ + "/local.pem"; }
  [[nodiscard]] std::string local_key() const { return dir_ + "/local.key"; }

  /// The certificate and key for `elsewhere.test` only.
  [[nodiscard]] std::string elsewhere_cert() const {
    return dir_ + "/elsewhere.pem";
  }
  [[nodiscard]] std::string elsewhere_key() const {
    return dir_ + "/elsewhere.key";
  }

 private:
  bool run(const std::string& command);

  std::string dir_;
  std::string error_;
};

/// A TLS server on 127.0.0.1, an ephemeral port, with its own thread. It
/// answers every request with 200 and the body "secure", keeping the
/// connection alive; a failed handshake just closes the connection.
class tls_server {
 public:
  /// Serves with `cert_file` and `key_file` (PEM); error() says why not.
  tls_server(const std::string& cert_file, const std::string& key_file);
  ~tls_server();
  tls_server(const tls_server&) = delete;
  tls_server& operator=(const tls_server&) = delete;

  /// Empty when serving, else what failed.
  [[nodiscard]] const std::string& error() const noexcept;

  /// The bound port.
  [[nodiscard]] std::uint16_t port() const noexcept;

  /// Connections whose handshake succeeded.
  [[nodiscard]] std::size_t handshakes() const noexcept;

  /// Connections the client ended with a TLS close_notify (not cut).
  [[nodiscard]] std::size_t clean_closes() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace warden::net::test
