#define CAF_SUITE config.http
#include <cstdlib>

#include <caf/test/unit_test.hpp>

#include "config/env_references.hpp"
#include "config/validate.hpp"
#include "tests/config/support.hpp"

using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;

namespace {

/// A variable set for the suite, and its value (never to appear in errors).
constexpr const char* token_variable = "WARDEN_TEST_HTTP_TOKEN";
constexpr const char* token_value = "s3cret-token-value";

/// A variable no test sets.
constexpr const char* unset_variable = "WARDEN_TEST_HTTP_UNSET_VARIABLE";

void set_environment() {
  ::setenv(token_variable, token_value, 1);
  ::unsetenv(unset_variable);
}

/// Loads http tool `hook` on http://127.0.0.1:8080/hook, with the lines
/// `more` from line 4 on.
warden::config::load_result load_hook(const std::string& more) {
  return load("[tools.hook]\nkind = \"http\"\n"
              "url = \"http://127.0.0.1:8080/hook\"\n" +
              more);
}

} // namespace

CAF_TEST(an http tool without a url is refused on the line of its kind) {
  CAF_CHECK(
      only_error(load("[tools.hook]\ntimeout_ms = 100\nkind = \"http\"\n"),
                 "tools.hook.url", 3, "is required for kind = \"http\""));
}

CAF_TEST(an http tool keeps its url headers and caps with header references
             unexpanded) {
  set_environment();
  auto result = load("[tools.hook]\nkind = \"http\"\n"
                     "url = \"https://tools.example/v1/hook\"\n"
                     "timeout_ms = 2500\nmax_output_bytes = 4096\n"
                     "ca_file = \"/dev/null\"\n"
                     "headers = { Authorization = \"Bearer ${"
                     "WARDEN_TEST_HTTP_TOKEN}\", X-Team = \"tools\" }\n");
  if (!result.ok())
    CAF_MESSAGE("errors:" << render(result.errors));
  CAF_REQUIRE(result.ok());
  const auto& tool = result.value.tools.at("hook");
  CAF_CHECK(tool.kind == warden::config::tool_kind::http);
  CAF_CHECK_EQUAL(tool.url, "https://tools.example/v1/hook");
  CAF_CHECK_EQUAL(tool.timeout_ms, 2500u);
  CAF_CHECK_EQUAL(tool.max_output_bytes, 4096u);
  CAF_CHECK_EQUAL(tool.ca_file, "/dev/null");
  CAF_CHECK_EQUAL(tool.headers.size(), 2u);
  // The secret is read when the tool starts, never kept in the settings.
  CAF_CHECK_EQUAL(tool.headers.at("Authorization"),
                  "Bearer ${WARDEN_TEST_HTTP_TOKEN}");
  CAF_CHECK_EQUAL(tool.headers.at("X-Team"), "tools");
  CAF_CHECK(tool.side_effect == warden::config::side_effect_kind::effectful);
}

CAF_TEST(a url net cannot use is a config error naming its key) {
  CAF_CHECK(only_error(load("[tools.hook]\nkind = \"http\"\n"
                            "url = \"ftp://tools.example/hook\"\n"),
                       "tools.hook.url", 3, "the URL has the scheme 'ftp'"));
  CAF_CHECK(only_error(load("[tools.hook]\nkind = \"http\"\n"
                            "url = \"http://tools.example/hook?key=1\"\n"),
                       "tools.hook.url", 3, "has a query or fragment"));
  auto userinfo = load("[tools.hook]\nkind = \"http\"\n"
                       "url = \"https://user:pw@tools.example/hook\"\n");
  CAF_CHECK(only_error(userinfo, "tools.hook.url", 3, "user information"));
  // The URL is not repeated: it may hold credentials.
  for (const auto& error : userinfo.errors)
    CAF_CHECK(error.message.find("pw@") == std::string::npos);
  CAF_CHECK(only_error(load("[tools.hook]\nkind = \"http\"\nurl = \"hook\"\n"),
                       "tools.hook.url", 3, "has no scheme"));
}

CAF_TEST(a header referring to an unset variable is refused naming the header) {
  set_environment();
  CAF_CHECK(only_error(load_hook("headers = { X-Key = \"${"
                                 "WARDEN_TEST_HTTP_UNSET_VARIABLE}\" }\n"),
                       "tools.hook.headers.X-Key", 4,
                       "refers to environment variable "
                       "WARDEN_TEST_HTTP_UNSET_VARIABLE, which is unset or "
                       "empty"));
}

CAF_TEST(malformed references are refused without repeating them) {
  set_environment();
  auto open = load_hook("headers = { X-Key = \"${WARDEN_TEST_HTTP_TOKEN\" }\n");
  CAF_CHECK(only_error(open, "tools.hook.headers.X-Key", 4,
                       "has a ${ without its closing }"));
  auto bad_name = load_hook("headers = { X-Key = \"${sk-123 456}\" }\n");
  CAF_CHECK(only_error(bad_name, "tools.hook.headers.X-Key", 4,
                       "not an environment variable name"));
  for (const auto& error : bad_name.errors)
    CAF_CHECK(error.message.find("sk-123") == std::string::npos);
  // A $ without a brace is text.
  CAF_CHECK(load_hook("headers = { X-Price = \"$5\" }\n").ok());
}

CAF_TEST(what a variable holds never appears in an error) {
  ::setenv(token_variable, "line\r\nInjected: yes", 1);
  auto result =
      load_hook("headers = { X-Key = \"${WARDEN_TEST_HTTP_TOKEN}\" }\n");
  CAF_CHECK(only_error(result, "tools.hook.headers.X-Key", 4,
                       "takes a control character"));
  for (const auto& error : result.errors)
    CAF_CHECK(error.message.find("Injected") == std::string::npos);
  set_environment();
}

CAF_TEST(header names are checked and fields the tool writes are refused) {
  CAF_CHECK(only_error(load_hook("headers = { \"X Key\" = \"a\" }\n"),
                       "tools.hook.headers.\"X Key\"", 4,
                       "must be an HTTP header name"));
  CAF_CHECK(only_error(
      load_hook("headers = { content-type = \"text/plain\" }\n"),
      "tools.hook.headers.content-type", 4, "is set by the tool itself"));
  CAF_CHECK(
      only_error(load_hook("headers = { X-Key = \"a\", x-key = \"b\" }\n"),
                 "tools.hook.headers.x-key", 4, "again"));
  CAF_CHECK(only_error(load_hook("headers = { X-Key = 1 }\n"),
                       "tools.hook.headers.X-Key", 4, "must be a string"));
}

CAF_TEST(a ca_file needs an https url and must be readable) {
  CAF_CHECK(only_error(load_hook("ca_file = \"/dev/null\"\n"),
                       "tools.hook.ca_file", 4,
                       "only applies to an https:// url"));
  CAF_CHECK(only_error(load("[tools.hook]\nkind = \"http\"\n"
                            "url = \"https://tools.example/hook\"\n"
                            "ca_file = \"/no/such/ca.pem\"\n"),
                       "tools.hook.ca_file", 4, "cannot be read"));
}

CAF_TEST(http keys on other kinds and other kinds keys on http are refused) {
  auto echo = load("[tools.t]\nkind = \"echo\"\nurl = \"http://a.example\"\n"
                   "headers = { A = \"b\" }\nca_file = \"/dev/null\"\n");
  CAF_CHECK_EQUAL(echo.errors.size(), 3u);
  CAF_CHECK(has_error(echo, "tools.t.url", 3,
                      "only applies to kind = \"http\", not kind = "
                      "\"echo\""));
  CAF_CHECK(has_error(echo, "tools.t.headers", 4, "only applies to kind"));
  CAF_CHECK(has_error(echo, "tools.t.ca_file", 5, "only applies to kind"));
  auto command = load("[tools.t]\nkind = \"command\"\ncommand = \"/bin/cat\"\n"
                      "url = \"http://a.example\"\n");
  CAF_CHECK(only_error(command, "tools.t.url", 4,
                       "only applies to kind = \"http\", not kind = "
                       "\"command\""));
  auto http = load("[tools.t]\nkind = \"http\"\nurl = \"http://a.example\"\n"
                   "args = [\"-v\"]\nkill_grace_ms = 5\n");
  CAF_CHECK_EQUAL(http.errors.size(), 2u);
  CAF_CHECK(has_error(http, "tools.t.args", 4,
                      "only applies to kind = \"command\", not kind = "
                      "\"http\""));
  CAF_CHECK(has_error(http, "tools.t.kill_grace_ms", 5, "only applies"));
  CAF_CHECK(only_error(load("[tools.t]\nkind = \"sleep\"\n"
                            "max_output_bytes = 10\n"),
                       "tools.t.max_output_bytes", 3,
                       "only applies to kind = \"command\" or \"http\""));
}

CAF_TEST(an http tool built in code is held to the same rules) {
  set_environment();
  warden::config::settings cfg;
  auto& tool = cfg.tools["hook"];
  tool.kind = warden::config::tool_kind::http;
  tool.url = "http://tools.example/hook#part";
  tool.headers["X-Key"] = std::string{"${"} + unset_variable + "}";
  tool.headers["Bad Name"] = "x";
  auto errors = warden::config::validate(cfg);
  CAF_CHECK_EQUAL(errors.size(), 3u);
  if (errors.size() != 3)
    CAF_MESSAGE("errors:" << render(errors));
}

CAF_TEST(references expand to what the variables hold) {
  auto lookup = [](const std::string& name) -> const char* {
    if (name == "A")
      return "one";
    if (name == "B_2")
      return "two";
    return nullptr;
  };
  auto expanded =
      warden::config::expand_env_references("x ${A}-${B_2} $A ${A}", lookup);
  CAF_CHECK_EQUAL(expanded.problem, "");
  CAF_CHECK_EQUAL(expanded.text, "x one-two $A one");
  CAF_CHECK_EQUAL(expanded.values.size(), 3u);
  auto missing = warden::config::expand_env_references("${C}", lookup);
  CAF_CHECK(missing.text.empty());
  CAF_CHECK(missing.problem.find("environment variable C,") !=
            std::string::npos);
}
