#define CAF_SUITE config.command
#include <caf/test/unit_test.hpp>

#include "config/validate.hpp"
#include "tests/config/support.hpp"

using warden::config::test::has_error;
using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;

CAF_TEST(a command tool without a command is refused on the line of its kind) {
  CAF_CHECK(only_error(load("[tools.run]\ntimeout_ms = 100\n"
                            "kind = \"command\"\n"),
                       "tools.run.command", 3,
                       "is required for kind = \"command\""));
}

CAF_TEST(a command name is resolved on PATH when the file is loaded) {
  auto result = load("[tools.cat]\nkind = \"command\"\ncommand = \"cat\"\n"
                     "args = [\"-u\"]\ncwd = \"/\"\n"
                     "env = { LC_ALL = \"C\", GREETING = \"hello world\" }\n");
  CAF_REQUIRE(result.ok());
  const auto& tool = result.value.tools.at("cat");
  CAF_CHECK(tool.kind == warden::config::tool_kind::command);
  CAF_CHECK_EQUAL(tool.command.front(), '/');
  CAF_CHECK_EQUAL(tool.command.substr(tool.command.size() - 4), "/cat");
  CAF_CHECK_EQUAL(tool.args.size(), 1u);
  CAF_CHECK_EQUAL(tool.env.size(), 2u);
  CAF_CHECK_EQUAL(tool.env.at("GREETING"), "hello world");
  CAF_CHECK_EQUAL(tool.cwd, "/");
  CAF_CHECK_EQUAL(tool.max_output_bytes, 1'048'576u);
  CAF_CHECK_EQUAL(tool.kill_grace_ms, 2'000u);
  CAF_CHECK(tool.side_effect == warden::config::side_effect_kind::effectful);
}

CAF_TEST(a command that is not on PATH is a config error naming its key) {
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"warden-no-such-program\"\n"),
                       "tools.run.command", 3, "names no executable on PATH"));
}

CAF_TEST(a command path that cannot be executed is refused) {
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/etc/passwd\"\n"),
                       "tools.run.command", 3, "not executable"));
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/\"\n"),
                       "tools.run.command", 3, "not a regular file"));
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/no/such/file\"\n"),
                       "tools.run.command", 3, "cannot be executed"));
}

CAF_TEST(environment names and values are checked) {
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/bin/cat\"\n"
                            "env = { \"1X\" = \"a\" }\n"),
                       "tools.run.env.1X", 4,
                       "must be an environment variable name"));
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/bin/cat\"\nenv = { A = 1 }\n"),
                       "tools.run.env.A", 4, "must be a string"));
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/bin/cat\"\nenv = [\"A=1\"]\n"),
                       "tools.run.env", 4, "must be a table of strings"));
}

CAF_TEST(output caps and kill grace periods out of range are refused) {
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/bin/cat\"\nmax_output_bytes = 0\n"),
                       "tools.run.max_output_bytes", 4, "0"));
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/bin/cat\"\nkill_grace_ms = 60001\n"),
                       "tools.run.kill_grace_ms", 4, "60001"));
}

CAF_TEST(a cwd that is not a directory is refused) {
  CAF_CHECK(only_error(load("[tools.run]\nkind = \"command\"\n"
                            "command = \"/bin/cat\"\ncwd = \"/etc/passwd\"\n"),
                       "tools.run.cwd", 4, "is not a directory"));
}

CAF_TEST(command keys on a tool of another kind are refused) {
  auto result = load("[tools.t]\nkind = \"echo\"\ncommand = \"/bin/cat\"\n"
                     "max_output_bytes = 10\n");
  CAF_CHECK_EQUAL(result.errors.size(), 2u);
  CAF_CHECK(has_error(result, "tools.t.command", 3,
                      "only applies to kind = \"command\", not kind = "
                      "\"echo\""));
  CAF_CHECK(has_error(result, "tools.t.max_output_bytes", 4,
                      "only applies to kind = \"command\""));
}

CAF_TEST(a command tool built in code is held to the same rules) {
  warden::config::settings cfg;
  auto& tool = cfg.tools["run"];
  tool.kind = warden::config::tool_kind::command;
  tool.command = "warden-no-such-program";
  tool.env["BAD NAME"] = "x";
  auto errors = warden::config::validate(cfg);
  CAF_CHECK_EQUAL(errors.size(), 2u);
  if (errors.size() != 2)
    CAF_MESSAGE("errors:" << render(errors));
}
