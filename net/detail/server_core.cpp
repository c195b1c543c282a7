#include "net/detail/server_core.hpp"

#include <utility>

#include "net/detail/connection.hpp"

namespace warden::net::detail {

server_core::server_core(server_options opts, router table)
    : options(std::move(opts)), routes(std::move(table)) {
  // nop
}

std::uint64_t server_core::admit(const std::shared_ptr<connection>& c) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (stopping_)
    return 0;
  if (open_.size() >= options.max_connections) {
    ++counters.connections_refused;
    return 0;
  }
  auto id = next_id_++;
  open_.emplace(id, c);
  ++counters.connections_accepted;
  return id;
}

void server_core::forget(std::uint64_t id) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (open_.erase(id) > 0 && open_.empty())
    drained_.notify_all();
}

responder server_core::make_responder(std::uint64_t id, std::uint64_t sequence,
                                      unsigned version) {
  return responder{weak_from_this(), id, sequence, version};
}

void server_core::deliver(std::uint64_t id, std::uint64_t sequence,
                          response answer) {
  with_connection(
      id, [&](connection& c) { c.deliver(sequence, std::move(answer)); });
}

response_stream server_core::start_stream(std::uint64_t id,
                                          std::uint64_t sequence,
                                          response header) {
  auto channel = std::make_shared<stream_channel>();
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto i = closed_ ? open_.end() : open_.find(id);
    if (i == open_.end())
      return {};
    i->second->begin_stream(sequence, std::move(header), channel);
  }
  return response_stream{weak_from_this(), id, sequence, std::move(channel)};
}

template <class Action>
void server_core::with_connection(std::uint64_t id, Action&& action) {
  // Posting under the lock: close() cannot let the io_context go between
  // the look-up and the post.
  std::lock_guard<std::mutex> guard{mutex_};
  if (closed_)
    return;
  auto i = open_.find(id);
  if (i != open_.end())
    action(*i->second);
}

void server_core::stream_piece(std::uint64_t id, std::uint64_t sequence,
                               std::string piece) {
  with_connection(
      id, [&](connection& c) { c.stream_piece(sequence, std::move(piece)); });
}

void server_core::end_stream(std::uint64_t id, std::uint64_t sequence) {
  with_connection(id, [&](connection& c) { c.end_stream(sequence); });
}

void server_core::cut_stream(std::uint64_t id, std::uint64_t sequence) {
  ++counters.streams_cut;
  with_connection(id, [&](connection& c) { c.cut_stream(sequence); });
}

std::size_t server_core::open_count() {
  std::lock_guard<std::mutex> guard{mutex_};
  return open_.size();
}

server_stats server_core::stats() {
  server_stats result;
  result.connections_open = open_count();
  result.connections_accepted = counters.connections_accepted;
  result.connections_refused = counters.connections_refused;
  result.accept_failures = counters.accept_failures;
  result.requests = counters.requests;
  result.header_timeouts = counters.header_timeouts;
  result.body_timeouts = counters.body_timeouts;
  result.idle_timeouts = counters.idle_timeouts;
  result.write_timeouts = counters.write_timeouts;
  result.too_large = counters.too_large;
  result.malformed = counters.malformed;
  result.streams_cut = counters.streams_cut;
  result.tls_handshake_failures = counters.tls_handshake_failures;
  return result;
}

std::vector<std::shared_ptr<connection>> server_core::begin_stop() {
  std::lock_guard<std::mutex> guard{mutex_};
  stopping_ = true;
  std::vector<std::shared_ptr<connection>> result;
  result.reserve(open_.size());
  for (auto& entry : open_)
    result.push_back(entry.second);
  return result;
}

bool server_core::wait_drained(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> guard{mutex_};
  return drained_.wait_until(guard, deadline, [this] { return open_.empty(); });
}

void server_core::close() {
  decltype(open_) gone;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    closed_ = true;
    gone.swap(open_);
  }
}

} // namespace warden::net::detail
