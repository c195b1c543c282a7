#pragma once

// What the API's Server-Sent Event streams share (a run's events, a
// streamed chat completion): the response's header, and how often a
// stream's actor looks whether its client went away and writes a comment
// to keep an idle connection open. Private to api/.

#include <chrono>

#include "net/http_types.hpp"

namespace warden::api::detail {

/// How often a stream looks whether its client or the server went away
/// (a stream closed by the server's stop ends its actor then).
inline constexpr std::chrono::milliseconds stream_tick{1'000};

/// How often an idle stream writes a comment, in ticks: proxies and load
/// balancers close connections that stay silent, and a write is how a
/// stream learns that its client left.
inline constexpr int ticks_per_keep_alive = 15;

/// The comment an idle stream writes every `ticks_per_keep_alive` ticks.
inline constexpr const char* keep_alive_comment = ": keep-alive\n\n";

/// 200 text/event-stream, not cached and not buffered by proxies.
[[nodiscard]] net::response sse_stream_header(unsigned version);

} // namespace warden::api::detail
