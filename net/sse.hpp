#pragma once

// Server-Sent Events, read incrementally: the event stream format of the
// WHATWG HTML standard (section 9.2), as streamed chat completions send it
// (`data: {...}` events up to `data: [DONE]`). Bytes may arrive split at
// any boundary, a line end included (CR LF across two reads).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::net {

/// One dispatched event.
struct sse_event {
  /// The `event:` field; "message" when the event named none.
  std::string type = "message";
  /// The `data:` lines joined with LF (without a final LF).
  std::string data;
  /// The last event id seen so far in the stream (the `id:` field).
  std::string id;
};

/// Reads an event stream a chunk at a time. Not thread-safe: one per
/// response.
class sse_parser {
 public:
  /// An event (its data and current line together) larger than
  /// `max_event_bytes` fails the stream: a server cannot make the reader
  /// buffer without bound. Default 8 MiB.
  explicit sse_parser(std::size_t max_event_bytes = std::size_t{8} << 20)
      : max_event_bytes_(max_event_bytes) {}

  /// Reads `bytes` and appends the events they complete to `out`. Returns
  /// false once the stream failed (an event over the limit); it then
  /// stays failed and reads nothing more.
  [[nodiscard]] bool feed(std::string_view bytes, std::vector<sse_event>& out);

  /// Whether an event over the limit failed the stream.
  [[nodiscard]] bool failed() const noexcept { return failed_; }

  /// Whether bytes of an event not yet dispatched are buffered: at the end
  /// of the response, the stream was cut in the middle of an event.
  [[nodiscard]] bool mid_event() const noexcept {
    return !line_.empty() || !head_.empty() || has_data_ || !type_.empty();
  }

  /// The reconnection time the server set (`retry:`), in milliseconds.
  [[nodiscard]] std::optional<std::uint64_t> retry_ms() const noexcept {
    return retry_ms_;
  }

 private:
  /// Handles one complete line (without its end).
  void line(std::string_view text, std::vector<sse_event>& out);

  /// Reads `bytes` once the stream's start (a BOM) is behind.
  bool consume(std::string_view bytes, std::vector<sse_event>& out);

  /// Dispatches the buffered event (an empty line).
  void dispatch(std::vector<sse_event>& out);

  std::size_t max_event_bytes_;
  /// The current line, while its end has not arrived.
  std::string line_;
  /// The event being read.
  std::string data_;
  bool has_data_ = false;
  std::string type_;
  std::string last_id_;
  std::optional<std::uint64_t> retry_ms_;
  /// The previous chunk ended with CR: a LF first in this one ends nothing.
  bool after_cr_ = false;
  /// The stream's first bytes are still to come (a BOM there is skipped).
  bool at_start_ = true;
  /// The first bytes while they may still be a BOM.
  std::string head_;
  bool failed_ = false;
};

} // namespace warden::net
