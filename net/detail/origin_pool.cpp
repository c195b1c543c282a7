#include "net/detail/origin_pool.hpp"

#include <algorithm>
#include <utility>

#include "net/detail/call.hpp"
#include "net/detail/client_connection.hpp"
#include "net/detail/client_core.hpp"
#include "net/detail/client_messages.hpp"

namespace warden::net::detail {

origin_pool::origin_pool(client_core& core, url where, tls_settings tls)
    : origin(std::move(where)),
      settings(std::move(tls)),
      core_(core),
      strand_(boost::asio::make_strand(core.io)) {
  // nop
}

void origin_pool::submit(std::shared_ptr<call> c) {
  if (stopping_)
    return finish(c, abort_failure(failure_kind::stopped, origin, {}));
  if (auto why = check_request(c->request); !why.empty())
    return finish(c, failure(failure_kind::invalid_request,
                             "the request to " + origin.authority() +
                                 " cannot be sent: " + why));
  if (auto timeout = c->request.timeout; timeout.count() > 0) {
    c->deadline = std::make_unique<boost::asio::steady_timer>(
        strand_, c->started + timeout);
    c->deadline->async_wait(
        [self = shared_from_this(), c](boost::system::error_code ec) {
          if (!ec)
            self->abort(c, failure_kind::timeout);
        });
  }
  auto& counters = core_.counters;
  if (!idle_.empty()) {
    // The most recently used connection is the least likely to have been
    // closed by the server meanwhile.
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    --counters.idle_now;
    return connection->reuse(std::move(c));
  }
  if (open_.size() < core_.options.max_connections_per_origin)
    return open(std::move(c));
  if (waiting_.size() >= core_.options.max_waiting)
    return finish(c, failure(failure_kind::overloaded,
                             std::to_string(waiting_.size()) +
                                 " requests already wait for a connection "
                                 "to " +
                                 origin.authority()));
  waiting_.push_back(std::move(c));
  ++counters.waiting_now;
}

void origin_pool::abort(const std::shared_ptr<call>& c, failure_kind kind) {
  if (c->done)
    return;
  auto why = abort_failure(kind, origin, c->request.timeout);
  if (c->connection != nullptr)
    return c->connection->abort(std::move(why));
  auto queued = std::find(waiting_.begin(), waiting_.end(), c);
  if (queued != waiting_.end()) {
    waiting_.erase(queued);
    --core_.counters.waiting_now;
  }
  finish(c, std::move(why));
}

void origin_pool::stop() {
  stopping_ = true;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  core_.counters.waiting_now -= waiting.size();
  auto why = abort_failure(failure_kind::stopped, origin, {});
  for (auto& c : waiting)
    finish(c, why);
  std::vector<std::shared_ptr<client_connection>> open;
  for (auto& entry : open_)
    open.push_back(entry.second);
  for (auto& connection : open)
    connection->abort(why);
}

void origin_pool::release(
    const std::shared_ptr<client_connection>& connection) {
  if (!waiting_.empty()) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    --core_.counters.waiting_now;
    return connection->reuse(std::move(next));
  }
  idle_.push_back(connection);
  ++core_.counters.idle_now;
  connection->idle();
}

void origin_pool::closed(const client_connection& connection) {
  forget(connection);
  if (stopping_ || waiting_.empty() ||
      open_.size() >= core_.options.max_connections_per_origin)
    return;
  auto next = std::move(waiting_.front());
  waiting_.pop_front();
  --core_.counters.waiting_now;
  open(std::move(next));
}

void origin_pool::replace(const client_connection& connection,
                          std::shared_ptr<call> c) {
  forget(connection);
  if (stopping_)
    return finish(c, abort_failure(failure_kind::stopped, origin, {}));
  open(std::move(c));
}

void origin_pool::finish(const std::shared_ptr<call>& c,
                         std::optional<client_failure> failure) {
  if (c->done.exchange(true))
    return;
  c->deadline.reset();
  c->connection = nullptr;
  auto& counters = core_.counters;
  if (failure) {
    failure->body_started = c->body_started;
    ++counters.failures[static_cast<std::size_t>(failure->kind)];
  } else {
    ++counters.completed;
  }
  // The callbacks' captures go with the call's end, not with its handle.
  auto handlers = std::move(c->handlers);
  c->handlers = {};
  if (!handlers.on_done)
    return;
  try {
    handlers.on_done(std::move(failure));
  } catch (...) {
    // The caller's own exception: the call has ended either way.
  }
}

std::shared_ptr<boost::asio::ssl::context>
origin_pool::tls_context(std::string& error) {
  return core_.tls.get(settings, error);
}

void origin_pool::open(std::shared_ptr<call> c) {
  auto id = next_id_++;
  auto connection = std::make_shared<client_connection>(*this, id);
  open_.emplace(id, connection);
  ++core_.counters.connections_opened;
  ++core_.counters.open_now;
  connection->open(std::move(c));
}

void origin_pool::forget(const client_connection& connection) {
  if (open_.erase(connection.id()) == 0)
    return;
  --core_.counters.open_now;
  auto idle = std::find_if(idle_.begin(), idle_.end(), [&](const auto& each) {
    return each.get() == &connection;
  });
  if (idle != idle_.end()) {
    idle_.erase(idle);
    --core_.counters.idle_now;
  }
}

} // namespace warden::net::detail
