#define CAF_SUITE actors.mcp_names
#include <random>
#include <set>
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "actors/dependencies/mcp/names.hpp"

using namespace warden::mcp;

namespace {

/// Whether `name` is a function name models accept.
bool acceptable(const std::string& name) {
  if (name.empty() || name.size() > max_function_name)
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

} // namespace

CAF_TEST(a name that fits is kept as it is) {
  CAF_CHECK_EQUAL(function_name("everything", "get-sum"),
                  "everything__get-sum");
  CAF_CHECK_EQUAL(function_name("fs", "read_text_file"), "fs__read_text_file");
  // 64 characters exactly.
  std::string tool(60, 'a');
  CAF_CHECK_EQUAL(function_name("s", tool + "b"), "s__" + tool + "b");
}

CAF_TEST(a name that does not fit is cut and made unique by a hash) {
  auto dotted = function_name("srv", "files.read");
  CAF_CHECK(acceptable(dotted));
  CAF_CHECK_EQUAL(dotted.substr(0, 16), "srv__files_read_");
  CAF_CHECK_EQUAL(dotted.size(), 16u + 8u);
  // Its clean look-alike keeps its plain name: the two differ.
  CAF_CHECK_EQUAL(function_name("srv", "files_read"), "srv__files_read");
  auto long_name = function_name("srv", std::string(100, 'x'));
  CAF_CHECK(acceptable(long_name));
  CAF_CHECK_EQUAL(long_name.size(), max_function_name);
  // The same on every call (and start): it depends on the names alone.
  CAF_CHECK_EQUAL(function_name("srv", "files.read"), dotted);
  CAF_CHECK(function_name("srv", "files read") != dotted);
  CAF_CHECK(acceptable(function_name("srv", "\xc3\xa9t\xc3\xa9")));
}

CAF_TEST(names of random tools are acceptable and distinct) {
  std::mt19937 random{20261206};
  std::uniform_int_distribution<int> length{1, 120};
  std::uniform_int_distribution<int> byte{1, 255};
  std::vector<std::string> tools;
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string tool;
    auto n = length(random);
    for (int j = 0; j < n; ++j)
      tool.push_back(static_cast<char>(byte(random)));
    if (seen.insert(tool).second)
      tools.push_back(tool);
  }
  auto named = name_tools("random", tools);
  CAF_CHECK_EQUAL(named.names.size() + named.clashes.size(), tools.size());
  CAF_CHECK(named.clashes.empty());
  std::set<std::string> exposed;
  for (const auto& [name, tool] : named.names) {
    CAF_CHECK(acceptable(name));
    exposed.insert(name);
  }
  CAF_CHECK_EQUAL(exposed.size(), named.names.size());
}

CAF_TEST(a tool listed twice clashes and the first keeps its name) {
  auto named = name_tools("s", {"echo", "add", "echo"});
  CAF_REQUIRE_EQUAL(named.names.size(), 2u);
  CAF_CHECK_EQUAL(named.names[0].first, "s__echo");
  CAF_CHECK_EQUAL(named.names[0].second, "echo");
  CAF_REQUIRE_EQUAL(named.clashes.size(), 1u);
  CAF_CHECK_EQUAL(named.clashes[0].first, "echo");
  CAF_CHECK_EQUAL(named.clashes[0].second, "s__echo");
}
