#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "actors/dependencies/backend.hpp"
#include "net/http_client.hpp"

namespace warden::detail {

/// Callbacks that hand a response to `call`: its on_head, on_body and
/// on_done, on the client's thread; `call` lives as long as they do.
template <class Exchange>
net::response_handlers handlers_for(const std::shared_ptr<Exchange>& call) {
  net::response_handlers handlers;
  handlers.on_head = [call](const net::response_head& head) {
    call->on_head(head);
  };
  handlers.on_body = [call](std::string_view bytes) { call->on_body(bytes); };
  handlers.on_done = [call](std::optional<net::client_failure> failure) {
    call->on_done(failure);
  };
  return handlers;
}

/// The HTTP exchanges of a backend's attempts that may still run, by
/// attempt, so that `abandon` can cancel one and a backend that goes can
/// cancel all. Used from the owner actor's context only: no lock.
class http_attempts {
 public:
  http_attempts() = default;

  http_attempts(const http_attempts&) = delete;
  http_attempts& operator=(const http_attempts&) = delete;

  /// Cancels every exchange: whoever waited for them is gone.
  ~http_attempts() {
    for (auto& entry : calls_)
      entry.second.cancel();
  }

  /// Keeps `handle` as the exchange of `ticket`.
  void add(const attempt_ticket& ticket, net::call_handle handle) {
    prune();
    calls_[key_of(ticket)] = std::move(handle);
  }

  /// Cancels the exchange of `ticket` (the connection is closed, never
  /// pooled half-read), when one is known.
  void cancel(const attempt_ticket& ticket) {
    auto i = calls_.find(key_of(ticket));
    if (i == calls_.end())
      return;
    i->second.cancel();
    calls_.erase(i);
  }

 private:
  static std::uint64_t key_of(const attempt_ticket& ticket) {
    return (ticket.call << 16) ^ ticket.attempt;
  }

  /// Forgets exchanges that ended (amortised over additions).
  void prune() {
    if (calls_.size() < prune_at_)
      return;
    for (auto i = calls_.begin(); i != calls_.end();)
      i = i->second.done() ? calls_.erase(i) : std::next(i);
    prune_at_ = std::max<std::size_t>(64, calls_.size() * 2);
  }

  std::unordered_map<std::uint64_t, net::call_handle> calls_;
  std::size_t prune_at_ = 64;
};

} // namespace warden::detail
