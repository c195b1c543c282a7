#include "apps/tls/detail/tls_servants.hpp"

#include <exception>
#include <iostream>
#include <openssl/err.h>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/detail/socket_guard.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/stream.hpp>
#include <caf/io/scribe.hpp>
#include <caf/openssl/session.hpp>

namespace warden::tls::detail {

namespace {

namespace net = caf::io::network;
using net::native_socket;
using net::operation;
using net::rw_state;

/// A stream over a libcaf_openssl session that does not poll for writes
/// while the TLS handshake waits for the peer (see tls_servants.hpp). It is
/// its own transport policy for stream::handle_event_impl.
class tls_stream final : public net::stream {
 public:
  tls_stream(net::default_multiplexer& mpx, native_socket fd,
             caf::openssl::session_ptr session,
             std::shared_ptr<handshake_guard> guard, const void* owner)
      : net::stream(mpx, fd),
        session_(std::move(session)),
        guard_(std::move(guard)),
        owner_(owner) {}

  void handle_event(operation op) override {
    stalled_ = false;
    failed_ = false;
    handle_event_impl(op, *this);
    if (op == operation::write && stalled_ && !established_ && !failed_) {
      // SSL_accept wants the peer's next flight: stop the write events
      // until a read brings it (level-triggered, they would spin).
      parked_ = true;
      backend().del(operation::write, fd(), this);
    } else if (op == operation::read && parked_) {
      parked_ = false;
      if (failed_)
        net::stream::removed_from_loop(operation::write); // drop the writer
      else
        backend().add(operation::write, fd(), this);
    }
  }

  void removed_from_loop(operation op) override {
    // A parked write keeps its writer: the write resumes after a read.
    if (op == operation::write && parked_)
      return;
    net::stream::removed_from_loop(op);
  }

  /// The servant closes: a parked write will not resume.
  void closing() {
    if (parked_) {
      parked_ = false;
      net::stream::removed_from_loop(operation::write);
    }
  }

  // The transport policy of handle_event_impl.

  // OpenSSL keeps its errors in a queue per thread, and libcaf_openssl
  // asks SSL_get_error about a call that returned <= 0 without clearing the
  // queue first: an error left by one failed session (a peer that hung up
  // in its handshake) then reads as a failure of every other session the
  // I/O thread serves next, and CAF closes them all. Each call here starts
  // from an empty queue and leaves one behind.

  rw_state read_some(size_t& result, native_socket fd, void* buf, size_t len) {
    ERR_clear_error();
    auto outcome = session_->read_some(result, fd, buf, len);
    ERR_clear_error();
    return observe(outcome, result, len, false);
  }

  rw_state write_some(size_t& result, native_socket fd, const void* buf,
                      size_t len) {
    ERR_clear_error();
    auto outcome = session_->write_some(result, fd, buf, len);
    ERR_clear_error();
    return observe(outcome, result, len, true);
  }

  bool must_read_more(native_socket fd, size_t threshold) {
    ERR_clear_error();
    auto more = session_->must_read_more(fd, threshold);
    ERR_clear_error();
    return more;
  }

 private:
  rw_state observe(rw_state outcome, size_t done, size_t len, bool writing) {
    if (outcome == rw_state::failure) {
      failed_ = true;
    } else if (outcome == rw_state::success && done > 0) {
      // Application data moved: the handshake is over.
      if (!established_) {
        established_ = true;
        if (guard_)
          guard_->forget(owner_);
      }
    } else if (outcome == rw_state::success && writing && len > 0) {
      stalled_ = true;
    }
    return outcome;
  }

  caf::openssl::session_ptr session_;
  std::shared_ptr<handshake_guard> guard_;
  const void* owner_;
  bool established_ = false;
  bool stalled_ = false;
  bool failed_ = false;
  bool parked_ = false;
};

/// A BASP connection over tls_stream: accepted ones are tracked by the guard
/// until their handshake is over; made ones (a null guard) are not.
class tls_scribe final : public caf::io::scribe {
 public:
  tls_scribe(net::default_multiplexer& mpx, native_socket fd,
             caf::openssl::session_ptr session,
             std::shared_ptr<handshake_guard> guard)
      : caf::io::scribe(net::conn_hdl_from_socket(fd)),
        guard_(guard),
        stream_(mpx, fd, std::move(session), guard, this) {
    if (guard_)
      guard_->track(this, fd);
  }

  ~tls_scribe() override {
    if (guard_)
      guard_->forget(this);
  }

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_) {
      launched_ = true;
      stream_.start(this);
      // A first write event runs SSL_accept even before BASP writes.
      stream_.force_empty_write(this);
    }
  }

  void ack_writes(bool enable) override { stream_.ack_writes(enable); }

  std::vector<char>& wr_buf() override { return stream_.wr_buf(); }

  std::vector<char>& rd_buf() override { return stream_.rd_buf(); }

  void graceful_shutdown() override {
    stream_.closing();
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }

  void flush() override { stream_.flush(this); }

  std::string addr() const override {
    auto x = net::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string{};
  }

  uint16_t port() const override {
    auto x = net::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }

  void add_to_loop() override { stream_.activate(this); }

  void remove_from_loop() override {
    stream_.closing();
    stream_.passivate();
  }

 private:
  std::shared_ptr<handshake_guard> guard_;
  bool launched_ = false;
  tls_stream stream_;
};

/// Accepts TCP connections and makes tls_scribes of them, the guard making
/// room for each.
class tls_doorman final : public net::doorman_impl {
 public:
  tls_doorman(net::default_multiplexer& mpx, native_socket fd,
              std::shared_ptr<handshake_guard> guard)
      : net::doorman_impl(mpx, fd), guard_(std::move(guard)) {}

  bool new_connection() override {
    if (detached())
      return false;
    auto& mpx = acceptor_.backend();
    auto fd = acceptor_.accepted_socket();
    caf::detail::socket_guard closer{fd};
    if (!net::nonblocking(fd, true))
      return false;
    guard_->admit();
    caf::openssl::session_ptr session;
    try {
      session = caf::openssl::make_session(parent()->system(), fd, true);
    } catch (const std::exception& e) {
      // libcaf_openssl raises when it cannot load the credentials; on the
      // I/O thread that would end the process.
      std::cerr << "wardend: node port: TLS session refused: " << e.what()
                << '\n';
      return false;
    }
    if (!session)
      return false;
    auto scribe =
        caf::make_counted<tls_scribe>(mpx, fd, std::move(session), guard_);
    closer.release();
    auto hdl = scribe->hdl();
    parent()->add_scribe(std::move(scribe));
    return doorman::new_connection(&mpx, hdl);
  }

 private:
  std::shared_ptr<handshake_guard> guard_;
};

class tls_middleman final : public caf::io::middleman_actor_impl {
 public:
  tls_middleman(caf::actor_config& cfg, caf::actor broker,
                std::shared_ptr<handshake_guard> guard)
      : caf::io::middleman_actor_impl(cfg, std::move(broker)),
        guard_(std::move(guard)) {}

  const char* name() const override { return "warden.tls_middleman"; }

 protected:
  caf::expected<caf::io::scribe_ptr> connect(const std::string& host,
                                             uint16_t port) override {
    auto fd = net::new_tcp_connection(host, port);
    if (!fd)
      return std::move(fd.error());
    caf::detail::socket_guard closer{*fd};
    if (!net::nonblocking(*fd, true))
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             "cannot make the socket non-blocking");
    caf::openssl::session_ptr session;
    try {
      session = caf::openssl::make_session(system(), *fd, false);
    } catch (const std::exception& e) {
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             std::string{"TLS session refused: "} + e.what());
    }
    if (!session)
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             "the TLS handshake failed");
    auto& mpx =
        static_cast<net::default_multiplexer&>(system().middleman().backend());
    auto scribe =
        caf::make_counted<tls_scribe>(mpx, *fd, std::move(session), nullptr);
    closer.release();
    return scribe;
  }

  caf::expected<caf::io::doorman_ptr> open(uint16_t port, const char* addr,
                                           bool reuse) override {
    auto fd = net::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd)
      return std::move(fd.error());
    auto& mpx =
        static_cast<net::default_multiplexer&>(system().middleman().backend());
    return caf::make_counted<tls_doorman>(mpx, *fd, guard_);
  }

 private:
  std::shared_ptr<handshake_guard> guard_;
};

} // namespace

caf::io::middleman_actor
spawn_tls_middleman(caf::actor_system& system,
                    std::shared_ptr<handshake_guard> guard) {
  auto broker =
      system.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  return system.spawn<tls_middleman, caf::detached + caf::hidden>(
      std::move(broker), std::move(guard));
}

} // namespace warden::tls::detail
