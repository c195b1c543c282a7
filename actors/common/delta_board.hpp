#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

namespace warden {

/// Content a model call streamed since its last report (backend -> the
/// session that made the call): one message per network read that added
/// text, never one per token. Local only: it never crosses a process.
struct model_delta {
  std::uint64_t run = 0;
  /// The turn's model call (model_request::step).
  std::uint32_t step = 0;
  /// The provider's attempt of the call, from 1: a retry streams anew.
  std::uint32_t attempt = 1;
  std::string text;
};

/// The runs whose sessions want their model calls' content as it streams,
/// readable from any thread.
///
/// A model call is on the wire, on an HTTP client's threads, before anyone
/// may follow its run: a client subscribes once its run is acknowledged,
/// and the turn's first call may already be streaming by then. So the
/// session marks its run here when its turn's observer wants the content
/// (at the turn's start or when a watch comes, mid-call too) and clears it
/// when the turn ends, and a streaming backend looks its run up once per
/// network read, sending the content it has not reported yet (all of it
/// when the session started to listen mid-call). A run that nobody follows
/// costs the backend one atomic load per read and no message.
///
/// Thread-safe: writers are sessions, readers backends on any thread.
class delta_board {
 public:
  /// Sends the content of `run`'s model calls to `session` from now on.
  void listen(std::uint64_t run, caf::actor_addr session);

  /// Stops sending `run`'s content.
  void forget(std::uint64_t run);

  /// Sends `delta` to the session listening to its run, if one is;
  /// whether it did. Never blocks beyond a shared lock.
  bool report(model_delta delta) const;

  /// Runs listened to now.
  [[nodiscard]] std::size_t size() const noexcept {
    return size_.load(std::memory_order_acquire);
  }

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::uint64_t, caf::actor_addr> listeners_;
  /// listeners_.size(), read without the lock: the common case is none.
  std::atomic<std::size_t> size_{0};
};

} // namespace warden

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::model_delta)
