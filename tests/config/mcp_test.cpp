#define CAF_SUITE config.mcp
#include <caf/test/unit_test.hpp>

#include "config/validate.hpp"
#include "tests/config/support.hpp"

using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;
namespace config = warden::config;

namespace {

/// A node whose agent `a` lists `tools`, next to MCP server `fs`.
std::string with_agent(const std::string& tools,
                       const std::string& extra = "") {
  return "[mcp_servers.fs]\ncommand = \"cat\"\n" + extra +
         "[providers.p]\nkind = \"scripted\"\n"
         "[agents.a]\nprovider = \"p\"\ntools = " +
         tools + "\n";
}

} // namespace

CAF_TEST(an MCP server is read with its defaults and its command resolved) {
  auto result = load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                     "args = [\"/tmp\"]\nenv = { ROOT = \"/tmp\" }\n"
                     "max_processes = 4\nidempotent_tools = [\"read\"]\n");
  CAF_REQUIRE(result.ok());
  const auto& server = result.value.mcp_servers.at("fs");
  CAF_CHECK_EQUAL(server.command.front(), '/');
  CAF_CHECK_EQUAL(server.args.size(), 1u);
  CAF_CHECK_EQUAL(server.env.at("ROOT"), "/tmp");
  CAF_CHECK_EQUAL(server.max_processes, 4u);
  CAF_CHECK_EQUAL(server.timeout_ms, 30'000u);
  CAF_CHECK_EQUAL(server.startup_timeout_ms, 10'000u);
  CAF_CHECK_EQUAL(server.idle_ttl_ms, 300'000u);
  CAF_CHECK_EQUAL(server.max_queue, 64u);
  CAF_CHECK(server.side_effect_of("read") ==
            config::side_effect_kind::idempotent);
  CAF_CHECK(server.side_effect_of("write") ==
            config::side_effect_kind::effectful);
}

CAF_TEST(an MCP server without a runnable command is refused) {
  auto missing = load("[mcp_servers.fs]\nargs = []\n");
  CAF_CHECK(has_error(missing, "mcp_servers.fs.command", 0, "is required"));
  CAF_CHECK(only_error(load("[mcp_servers.fs]\n"
                            "command = \"warden-no-such-server\"\n"),
                       "mcp_servers.fs.command", 2,
                       "names no executable on PATH"));
  CAF_CHECK(only_error(load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                            "cwd = \"/no/such/dir\"\n"),
                       "mcp_servers.fs.cwd", 3, "is not a directory"));
}

CAF_TEST(MCP server limits are checked) {
  CAF_CHECK(only_error(load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                            "max_processes = 0\n"),
                       "mcp_servers.fs.max_processes", 3, "must be"));
  CAF_CHECK(only_error(load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                            "restart_backoff_ms = 5000\n"
                            "max_restart_backoff_ms = 1000\n"),
                       "mcp_servers.fs.restart_backoff_ms", 3,
                       "must be at most max_restart_backoff_ms"));
  CAF_CHECK(only_error(load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                            "pure_tools = [\"read\"]\n"
                            "effectful_tools = [\"read\"]\n"),
                       "mcp_servers.fs.effectful_tools[0]", 4,
                       "already listed in mcp_servers.fs.pure_tools"));
  CAF_CHECK(only_error(load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                            "[mcp_servers.fs.retry]\nmax_attempts = 3\n"),
                       "mcp_servers.fs.retry.max_attempts", 4,
                       "while any of the server's tools is effectful"));
  CAF_CHECK(load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                 "side_effect = \"idempotent\"\n"
                 "[mcp_servers.fs.retry]\nmax_attempts = 3\n")
                .ok());
  CAF_CHECK(only_error(load("[mcp_servers.fs]\ncommand = \"cat\"\n"
                            "surprise = 1\n"),
                       "mcp_servers.fs.surprise", 3, "unknown key"));
}

CAF_TEST(agents list MCP tools by name or all of a server at once) {
  auto result = load(with_agent("[\"fs__read_file\", \"fs__*\"]"));
  for (const auto& err : result.errors)
    CAF_MESSAGE(err.to_string());
  CAF_CHECK(result.ok());
  // A server that is not configured.
  CAF_CHECK(has_error(load(with_agent("[\"git__log\"]")), "agents.a.tools[0]",
                      7, "is not a defined tool"));
  // A [tools] name in a server's space would shadow its tools.
  CAF_CHECK(
      has_error(load(with_agent("[]", "[tools.fs__x]\nkind = \"echo\"\n")),
                "tools.fs__x", 3, "in the space of MCP server `fs`"));
  // An MCP server's timeout above the turn timeout of an agent using it.
  CAF_CHECK(has_error(load(with_agent("[\"fs__*\"]", "timeout_ms = 500000\n")),
                      "mcp_servers.fs.timeout_ms", 3,
                      "must be at most agents.a.turn_timeout_ms"));
}

CAF_TEST(kind mcp is not for tools tables) {
  CAF_CHECK(only_error(load("[tools.x]\nkind = \"mcp\"\n"), "tools.x.kind", 2,
                       "[mcp_servers.<name>]"));
}
