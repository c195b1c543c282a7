#define CAF_SUITE config.syntax
#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "tests/config/support.hpp"

using namespace warden::config;
using warden::config::test::load;
using warden::config::test::render;

namespace {

// Whether `text` fails with exactly one file-wide error at line:column.
bool malformed_at(std::string_view text, std::size_t line, std::size_t column,
                  const std::string& fragment) {
  auto result = load(text);
  bool ok = result.errors.size() == 1 && result.errors[0].key.empty() &&
            result.errors[0].line == line &&
            result.errors[0].column == column &&
            result.errors[0].message.find("malformed TOML") == 0 &&
            result.errors[0].message.find(fragment) != std::string::npos;
  if (!ok)
    CAF_MESSAGE("expected malformed TOML at "
                << line << ":" << column << "; got:" << render(result.errors));
  return ok;
}

} // namespace

CAF_TEST(a key without a value is reported at the line and column of the gap) {
  CAF_CHECK(malformed_at("[node]\nname = \"a\"\nlisten = \n", 3, 10,
                         "missing value"));
}

CAF_TEST(an unterminated string is reported where the string starts) {
  CAF_CHECK(malformed_at("[node]\nname = \"a\n", 2, 8, "string"));
}

CAF_TEST(a key defined twice is reported at its second definition) {
  CAF_CHECK(malformed_at("[node]\nname = \"a\"\nname = \"b\"\n", 3, 8,
                         "already exists"));
}

CAF_TEST(an unclosed table header is reported on its line) {
  CAF_CHECK(malformed_at("\n\n[node\nname = \"a\"\n", 3, 1, "invalid key"));
}

CAF_TEST(garbage after a value is reported at the garbage) {
  CAF_CHECK(malformed_at("[admission]\nglobal_cap = 2 3\n", 2, 16,
                         "expected newline"));
}

CAF_TEST(an invalid date is reported on its own line) {
  CAF_CHECK(malformed_at("\n\nx = 1979-13-01\n", 3, 15, "date"));
}

CAF_TEST(malformed text yields only the syntax error and default settings) {
  auto result = load("[admission]\nglobal_cap = 5\n[node\n");
  CAF_CHECK_EQUAL(result.errors.size(), 1u);
  CAF_CHECK_EQUAL(result.value.admission.global_cap, 4096u);
  CAF_CHECK_EQUAL(result.errors[0].to_string().find("test.toml:3:1: "), 0u);
}

CAF_TEST(windows line endings and a byte order mark are accepted) {
  auto result = load("\xEF\xBB\xBF[node]\r\nname = \"n1\"\r\n");
  CAF_CHECK(result.ok());
  CAF_CHECK_EQUAL(result.value.node.name, "n1");
}

CAF_TEST(text that is not utf8 is refused at its first bad byte) {
  // toml11 3.7.1 read past its buffer on this literal string (found by the
  // config_load and model_script fuzz targets, fuzz/README.md).
  auto result = load("[node]\nname = 'f\xFD'\n");
  CAF_REQUIRE_EQUAL(result.errors.size(), 1u);
  CAF_CHECK_EQUAL(result.errors[0].to_string(),
                  "test.toml:2:10: not UTF-8: byte 0xfd (TOML files must be "
                  "UTF-8)");
  // Overlong, surrogate, above U+10FFFF, cut short, a stray continuation.
  for (std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xE2\x82", "\x80", "\xF8\x88\x80\x80\x80"}) {
    auto refused = load("# " + bad + "\n");
    CAF_CHECK_EQUAL(refused.errors.size(), 1u);
    CAF_CHECK(!refused.errors.empty() &&
              refused.errors[0].message.find("not UTF-8") == 0 &&
              refused.errors[0].line == 1 && refused.errors[0].column == 3);
  }
}

CAF_TEST(utf8 of every length is accepted) {
  auto result = load("[node]\nname = \"n1\" # \xC3\xA9 \xE2\x82\xAC "
                     "\xF0\x9D\x84\x9E \xEF\xBF\xBF \xF4\x8F\xBF\xBF\n");
  CAF_CHECK(result.ok());
  CAF_CHECK_EQUAL(render(result.errors), " (none)");
}

CAF_TEST(an error at the end of a file without a final newline is inside it) {
  // toml11 reported it on the line after the last (config_load fuzz target).
  CAF_CHECK(malformed_at("\nU=[", 2, 4, "invalid format"));
}
