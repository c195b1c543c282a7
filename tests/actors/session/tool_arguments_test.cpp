#define CAF_SUITE actors.tool_arguments
#include <string>

#include <caf/test/dsl.hpp>

#include "actors/session/detail/tool_arguments.hpp"

// Findings of the tool_arguments fuzz target (fuzz/README.md) and the
// limits they led to.

using warden::detail::max_argument_depth;
using warden::detail::normalize_arguments;

namespace {

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

} // namespace

CAF_TEST(arguments nested a hundred thousand deep are refused not overflowed) {
  // 200 KB of brackets once overflowed the stack in nlohmann::json's
  // recursive dump: the session's thread, and the node with it, died.
  auto x = normalize_arguments(nested_arrays(100'000));
  CAF_CHECK(!x.ok);
  CAF_CHECK_EQUAL(x.text, "arguments nest more than 256 levels deep");
}

CAF_TEST(arguments nested up to the limit still parse) {
  auto deep = nested_arrays(max_argument_depth);
  auto x = normalize_arguments(" " + deep);
  CAF_CHECK(x.ok);
  CAF_CHECK_EQUAL(x.text, deep);
  CAF_CHECK(
      !normalize_arguments(" " + nested_arrays(max_argument_depth + 1)).ok);
}

CAF_TEST(brackets inside strings do not count as nesting) {
  auto text = R"({ "a": ")" + std::string(1000, '[') + R"(\"[" })";
  auto x = normalize_arguments(text);
  CAF_CHECK(x.ok);
  CAF_CHECK_EQUAL(x.text, R"({"a":")" + std::string(1000, '[') + R"(\"["})");
}
