#include "apps/tls/probe.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <netdb.h>
#include <openssl/err.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apps/tls/detail/openssl.hpp"

namespace warden::tls {

namespace {

using namespace detail;
using clock = std::chrono::steady_clock;
using outcome = handshake_finding::outcome;

/// Holds SIGPIPE off this thread while alive (a write to a closed socket
/// must fail, not end the process), discarding one that came meanwhile.
class sigpipe_hold {
 public:
  sigpipe_hold() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
  }
  ~sigpipe_hold() {
    timespec zero{};
    sigtimedwait(&pipe_, nullptr, &zero);
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  sigpipe_hold(const sigpipe_hold&) = delete;
  sigpipe_hold& operator=(const sigpipe_hold&) = delete;

 private:
  sigset_t pipe_;
  sigset_t saved_;
};

/// A socket descriptor closed on scope exit.
struct socket_fd {
  int fd = -1;
  ~socket_fd() {
    if (fd >= 0)
      close(fd);
  }
};

int millis_left(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

/// Waits until `fd` has `events`; false on timeout.
bool await(int fd, short events, clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    auto n = poll(&p, 1, millis_left(deadline));
    if (n < 0 && errno == EINTR)
      continue;
    return n > 0;
  }
}

/// A non-blocking TCP connection to host:port; fd -1 and `error` set on
/// failure.
void connect_tcp(const std::string& host, std::uint16_t port,
                 clock::time_point deadline, socket_fd& out,
                 std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (auto rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    error = gai_strerror(rc);
    return;
  }
  error = "no address";
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    socket_fd s;
    s.fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  a->ai_protocol);
    if (s.fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    if (connect(s.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = std::strerror(errno);
      continue;
    }
    if (!await(s.fd, POLLOUT, deadline)) {
      error = "connection timed out";
      continue;
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      error = std::strerror(so_error);
      continue;
    }
    std::swap(out.fd, s.fd);
    error.clear();
    break;
  }
  freeaddrinfo(found);
}

/// The context libcaf_openssl's session builds with credentials.
ssl_ctx_ptr make_context(const credential_files& files, std::string& error) {
  ssl_ctx_ptr ctx{SSL_CTX_new(TLS_method())};
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), const_cast<char*>(""));
  if (!ctx ||
      SSL_CTX_use_certificate_chain_file(ctx.get(),
                                         files.certificate.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr) !=
          1 ||
      SSL_CTX_set_cipher_list(ctx.get(), "HIGH:!aNULL:!MD5") != 1) {
    error = openssl_reason("cannot load the credentials");
    return nullptr;
  }
  SSL_CTX_set_verify(
      ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return ctx;
}

/// Judges a failed SSL call: our verification of the node, or the node.
handshake_finding failure(SSL* ssl, int rc) {
  auto kind = SSL_get_error(ssl, rc);
  auto verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    return {outcome::node_not_trusted,
            std::string{"certificate verify failed: "} +
                X509_verify_cert_error_string(verify)};
  }
  if (kind == SSL_ERROR_ZERO_RETURN ||
      (kind == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
    return {outcome::client_refused,
            "the node closed the connection during the handshake"};
  return {outcome::client_refused, openssl_reason("handshake failed")};
}

} // namespace

handshake_finding probe_handshake(const std::string& host, std::uint16_t port,
                                  const credential_files& files,
                                  std::chrono::milliseconds timeout) {
  sigpipe_hold hold;
  ERR_clear_error();
  auto deadline = clock::now() + timeout;
  socket_fd s;
  std::string error;
  connect_tcp(host, port, deadline, s, error);
  if (s.fd < 0)
    return {outcome::unreachable, error};
  auto ctx = make_context(files, error);
  if (!ctx)
    return {outcome::client_refused, error};
  ssl_ptr ssl{SSL_new(ctx.get())};
  if (!ssl || SSL_set_fd(ssl.get(), s.fd) != 1)
    return {outcome::client_refused, openssl_reason("cannot start TLS")};
  SSL_set_connect_state(ssl.get());
  for (;;) {
    auto rc = SSL_connect(ssl.get());
    if (rc == 1)
      break;
    auto kind = SSL_get_error(ssl.get(), rc);
    if (kind != SSL_ERROR_WANT_READ && kind != SSL_ERROR_WANT_WRITE)
      return failure(ssl.get(), rc);
    if (!await(s.fd, kind == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
      return {outcome::client_refused,
              "the node did not finish the TLS handshake in time"};
  }
  // Our side is done; the node's first bytes (BASP's handshake) or its
  // alert say whether it accepted us.
  char byte = 0;
  for (;;) {
    auto rc = SSL_read(ssl.get(), &byte, 1);
    if (rc > 0)
      return {outcome::accepted, {}};
    auto kind = SSL_get_error(ssl.get(), rc);
    if (kind != SSL_ERROR_WANT_READ && kind != SSL_ERROR_WANT_WRITE)
      return failure(ssl.get(), rc);
    if (!await(s.fd, kind == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
      return {outcome::accepted, {}};
  }
}

} // namespace warden::tls
