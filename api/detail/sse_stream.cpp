#include "api/detail/sse_stream.hpp"

#include <boost/beast/http/field.hpp>

namespace warden::api::detail {

net::response sse_stream_header(unsigned version) {
  auto header =
      net::make_response(net::status::ok, {}, "text/event-stream", version);
  header.set(boost::beast::http::field::cache_control, "no-cache");
  // nginx buffers answers unless told not to.
  header.set("X-Accel-Buffering", "no");
  return header;
}

} // namespace warden::api::detail
