#pragma once

// Shared by the HTTP client suites: a client with short deadlines, and a
// recorder of what one request's callbacks received, with bounded waits.
// Include after <caf/test/unit_test.hpp>.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "net/http_client.hpp"
#include "tests/net/script_server.hpp"

namespace warden::net::test {

/// What one request's callbacks received. Shared with the callbacks, so
/// that a late one never reaches a recorder the test has let go.
class recorder : public std::enable_shared_from_this<recorder> {
 public:
  /// Callbacks that record into this recorder.
  response_handlers handlers() {
    response_handlers result;
    result.on_head = [self = shared_from_this()](const response_head& head) {
      std::lock_guard<std::mutex> guard{self->mutex_};
      self->head_ = head;
      self->changed_.notify_all();
    };
    result.on_body = [self = shared_from_this()](std::string_view piece) {
      std::lock_guard<std::mutex> guard{self->mutex_};
      self->body_.append(piece.data(), piece.size());
      ++self->pieces_;
      self->changed_.notify_all();
    };
    result.on_done =
        [self = shared_from_this()](std::optional<client_failure> failure) {
          std::lock_guard<std::mutex> guard{self->mutex_};
          self->end_ = std::move(failure);
          ++self->ends_;
          self->changed_.notify_all();
        };
    return result;
  }

  /// Waits up to `bound` for on_done; whether it came.
  bool wait_done(std::chrono::milliseconds bound) {
    std::unique_lock<std::mutex> guard{mutex_};
    return changed_.wait_for(guard, bound, [this] { return ends_ > 0; });
  }

  /// Waits up to `bound` for `bytes` body bytes; whether they came.
  bool wait_body(std::size_t bytes, std::chrono::milliseconds bound) {
    std::unique_lock<std::mutex> guard{mutex_};
    return changed_.wait_for(guard, bound,
                             [this, bytes] { return body_.size() >= bytes; });
  }

  /// Whether the whole response was read (on_done with nothing).
  bool succeeded() {
    std::lock_guard<std::mutex> guard{mutex_};
    return ends_ > 0 && !end_->has_value();
  }

  /// The failure on_done got, if it got one.
  std::optional<client_failure> failure() {
    std::lock_guard<std::mutex> guard{mutex_};
    return ends_ > 0 ? *end_ : std::nullopt;
  }

  /// The kind of failure on_done got; `fallback` when none.
  failure_kind kind(failure_kind fallback = failure_kind::invalid_request) {
    auto got = failure();
    return got ? got->kind : fallback;
  }

  /// The status on_head got; 0 before it.
  unsigned status() {
    std::lock_guard<std::mutex> guard{mutex_};
    return head_ ? head_->status : 0;
  }

  /// The head on_head got.
  std::optional<response_head> head() {
    std::lock_guard<std::mutex> guard{mutex_};
    return head_;
  }

  /// The body so far.
  std::string body() {
    std::lock_guard<std::mutex> guard{mutex_};
    return body_;
  }

  /// How many pieces on_body got.
  std::size_t pieces() {
    std::lock_guard<std::mutex> guard{mutex_};
    return pieces_;
  }

  /// How many times on_done was called.
  int ends() {
    std::lock_guard<std::mutex> guard{mutex_};
    return ends_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<response_head> head_;
  std::string body_;
  std::size_t pieces_ = 0;
  std::optional<std::optional<client_failure>> end_;
  int ends_ = 0;
};

/// Options with short deadlines, so that time-outs show within a test.
inline client_options quick_client_options() {
  client_options options;
  options.connect_timeout = 2'000ms;
  options.idle_timeout = 5'000ms;
  return options;
}

/// The origin http://127.0.0.1:`port`.
inline url local_origin(std::uint16_t port) {
  url result;
  result.host = "127.0.0.1";
  result.port = port;
  return result;
}

struct client_fixture {
  std::unique_ptr<http_client> http;

  ~client_fixture() {
    if (http)
      http->stop();
  }

  void start(client_options options = quick_client_options()) {
    std::string error;
    http = http_client::start(std::move(options), error);
    if (!http)
      CAF_FAIL("cannot start the client: " << error);
  }

  /// Sends `request` to `origin` and returns its recorder (and handle).
  std::pair<std::shared_ptr<recorder>, call_handle>
  send(const url& origin, client_request request,
       const tls_settings& tls = {}) {
    auto record = std::make_shared<recorder>();
    auto handle =
        http->send(origin, tls, std::move(request), record->handlers());
    return {record, handle};
  }

  /// GET `path` from 127.0.0.1:`port` within `timeout` (0: none).
  std::shared_ptr<recorder> get(std::uint16_t port, std::string path = "/",
                                std::chrono::milliseconds timeout = 10'000ms) {
    client_request request;
    request.target = std::move(path);
    request.timeout = timeout;
    return send(local_origin(port), std::move(request)).first;
  }

  /// GET `path` from 127.0.0.1:`port` and wait (up to 5 s) for its end.
  std::shared_ptr<recorder> get_done(std::uint16_t port,
                                     std::string path = "/") {
    auto record = get(port, std::move(path));
    CAF_REQUIRE(record->wait_done(5s));
    return record;
  }
};

} // namespace warden::net::test
