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
