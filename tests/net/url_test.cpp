#define CAF_SUITE net.url
#include <string>

#include <caf/test/unit_test.hpp>

#include "net/url.hpp"

using namespace warden::net;

namespace {

/// The error parse_url gives for `text`; empty when it reads.
std::string why_not(std::string_view text) {
  std::string error;
  auto read = parse_url(text, error);
  return read ? std::string{} : error;
}

} // namespace

CAF_TEST(a base url gives scheme host port and path) {
  std::string error;
  auto openai = parse_url("https://API.openai.com/v1/", error);
  CAF_REQUIRE(openai);
  CAF_CHECK(openai->tls);
  CAF_CHECK_EQUAL(openai->host, "api.openai.com");
  CAF_CHECK_EQUAL(openai->port, 443u);
  CAF_CHECK_EQUAL(openai->base_path, "/v1");
  CAF_CHECK_EQUAL(openai->target("/chat/completions"), "/v1/chat/completions");
  CAF_CHECK_EQUAL(openai->host_field(), "api.openai.com");
  CAF_CHECK_EQUAL(openai->authority(), "api.openai.com:443");
  auto local = parse_url("HTTP://127.0.0.1:8080", error);
  CAF_REQUIRE(local);
  CAF_CHECK(!local->tls);
  CAF_CHECK_EQUAL(local->port, 8080u);
  CAF_CHECK_EQUAL(local->base_path, "");
  CAF_CHECK_EQUAL(local->target(""), "/");
  CAF_CHECK_EQUAL(local->host_field(), "127.0.0.1:8080");
  auto six = parse_url("http://[::1]:9000/api", error);
  CAF_REQUIRE(six);
  CAF_CHECK_EQUAL(six->host, "::1");
  CAF_CHECK_EQUAL(six->authority(), "[::1]:9000");
}

CAF_TEST(a bad url is refused with a sentence saying why) {
  CAF_CHECK(why_not("ftp://example.com").find("'ftp'") != std::string::npos);
  CAF_CHECK(why_not("example.com/v1").find("no scheme") != std::string::npos);
  CAF_CHECK(why_not("https:///v1").find("no host") != std::string::npos);
  CAF_CHECK(why_not("https://host:0").find("port") != std::string::npos);
  CAF_CHECK(why_not("https://host:65536").find("port") != std::string::npos);
  CAF_CHECK(why_not("https://host:80a").find("port") != std::string::npos);
  CAF_CHECK(why_not("https://host:").find("empty port") != std::string::npos);
  auto secret = why_not("https://user:secret@host/v1");
  CAF_CHECK(secret.find("user information") != std::string::npos);
  CAF_CHECK(secret.find("secret") == std::string::npos);
  CAF_CHECK(why_not("https://host/v1?x=1").find("query") != std::string::npos);
  CAF_CHECK(why_not("https://ho st/").find("white space") != std::string::npos);
  CAF_CHECK(why_not("https://[::1/").find("IPv6") != std::string::npos);
  CAF_CHECK(why_not("https://h%41st/").find("host") != std::string::npos);
}
