// Seeds of the http_request target: the read size byte, then what a client
// sends on one connection.

#include <string>

#include "fuzz/seed_writer.hpp"

namespace warden::fuzz {

void http_seeds(writer& w) {
  w.put("http_request", "scrape",
        "\xff"
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: text/plain\r\n\r\n");
  w.put("http_request", "pipelined",
        "\x07"
        "HEAD /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
        "POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        "GET /other HTTP/1.0\r\n\r\n");
  w.put("http_request", "chunked",
        "\x10"
        "PUT /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        "Expect: 100-continue\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n");
}

} // namespace warden::fuzz
