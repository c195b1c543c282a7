// Fuzz target: what net/'s HTTP server does with the bytes a client sends:
// Beast's request parser with the limits wardend's /metrics listener sets
// (header and body both capped at [metrics] max_request_bytes, default
// 8 KiB), fed the way a connection feeds it (in reads of a chosen size,
// the header first, the body eagerly after it, requests pipelined on one
// connection with a fresh parser each), then the router and the response
// the server writes back. The first input byte picks the read size.
// Properties: a parsed request's body stays within the limit;
// a failed parse fails with an HTTP parse error (which the connection maps
// to 400, 413 or 431); the router answers every parsed request with a
// handler or with 404 or 405 and an Allow header; every response
// serializes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "config/settings.hpp"
#include "net/http_types.hpp"
#include "net/router.hpp"

#include "fuzz/support.hpp"

namespace {

namespace http = boost::beast::http;
namespace net = warden::net;
using warden::fuzz::require;

/// What wardend's metrics listener takes (apps/wardend/metrics_endpoint).
const std::uint32_t request_bytes =
    warden::config::metrics_settings{}.max_request_bytes;

/// The routes wardend serves: GET /metrics (HEAD takes it too).
const net::router& routes() {
  static const net::router instance = [] {
    net::router r;
    auto added =
        r.add_sync(net::method::get, "/metrics", [](const net::incoming& in) {
          return net::make_response(net::status::ok, "up 1\n", "text/plain",
                                    in.message.version());
        });
    require(added, "the fuzz target's route is refused");
    return r;
  }();
  return instance;
}

/// Serializes `answer` as the connection writes it; it must not fail.
void write_out(net::response answer) {
  answer.prepare_payload();
  http::response_serializer<http::string_body> writer{answer};
  std::string out;
  boost::system::error_code ec;
  while (!writer.is_done()) {
    writer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      for (auto b : boost::beast::buffers_range_ref(buffers))
        out.append(static_cast<const char*>(b.data()), b.size());
      writer.consume(boost::beast::buffer_bytes(buffers));
    });
    require(!ec, "a response does not serialize");
  }
  require(out.rfind("HTTP/1.", 0) == 0, "a response without a status line");
}

/// Dispatches a parsed request as net::detail::connection does.
void dispatch(const net::request& message) {
  require(message.body().size() <= request_bytes,
          "a body past the limit was read");
  auto target = message.target();
  std::string_view whole{target.data(), target.size()};
  auto path = whole.substr(0, whole.find('?'));
  auto match = routes().match(message.method(), path);
  if (match.target != nullptr) {
    require(path == "/metrics", "a route matches another path");
    require(message.method() == net::method::get ||
                message.method() == net::method::head,
            "a route matches another method");
    write_out(net::make_response(net::status::ok, "up 1\n", "text/plain",
                                 message.version()));
    return;
  }
  require(match.failure == net::status::not_found ||
              (match.failure == net::status::method_not_allowed &&
               !match.allow.empty()),
          "no route, and neither 404 nor 405 with Allow");
  auto answer = net::make_error_response(match.failure, message.version());
  if (!match.allow.empty())
    answer.set(http::field::allow, match.allow);
  write_out(std::move(answer));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  // Reads of 1 to 256 bytes: a client may send its request in any pieces.
  std::size_t read_size = 1 + data[0];
  auto wire = warden::fuzz::as_text(data + 1, size - 1);
  boost::beast::flat_buffer buffer;
  for (int request = 0; request < 8; ++request) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(request_bytes);
    parser.body_limit(request_bytes);
    boost::system::error_code ec;
    while (!parser.is_done()) {
      if (parser.is_header_done())
        parser.eager(true); // http::async_read reads the body eagerly
      auto n = parser.put(buffer.data(), ec);
      buffer.consume(n);
      // In the body, put() takes what there is and asks for nothing: an
      // empty buffer is the need for more there.
      if (ec == http::error::need_more || (!ec && n == 0)) {
        if (wire.empty()) {
          // The client stopped sending: the connection times out, or
          // closes after its last request. A request whose body runs to
          // the end of the stream ends here (Beast asserts that the parser
          // got bytes before an end of stream is put).
          if (!parser.got_some())
            return 0;
          parser.put_eof(ec);
          break;
        }
        auto chunk = wire.substr(0, read_size);
        wire.remove_prefix(chunk.size());
        auto room = buffer.prepare(chunk.size());
        std::copy(chunk.begin(), chunk.end(), static_cast<char*>(room.data()));
        buffer.commit(chunk.size());
        ec = {};
        continue;
      }
      if (ec)
        break;
    }
    if (ec || !parser.is_done()) {
      require(!ec ||
                  ec.category() ==
                      http::make_error_code(http::error::need_more).category(),
              "a parse fails with an error that is not HTTP's");
      return 0;
    }
    dispatch(parser.get());
    if (!parser.get().keep_alive())
      return 0;
  }
  return 0;
}
