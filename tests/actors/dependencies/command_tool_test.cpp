#define CAF_SUITE actors.command_tool
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>
#include <caf/test/unit_test.hpp>

#include "tests/actors/dependencies/one_tool_node.hpp"

using namespace warden;
using namespace std::chrono_literals;

namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A node on a real actor system (its command tools run real processes).
struct fixture {
  test::real_node_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  node_handle handle;

  /// `tool`: the keys of the command tool `run` besides its kind and
  /// timeouts.
  explicit fixture(const std::string& tool)
      : handle(test::start_one_tool_node(
            sys, test::one_tool_node("run", "kind = \"command\"\n"
                                            "timeout_ms = 10000\n"
                                            "kill_grace_ms = 100\n" +
                                                tool))) {
    CAF_REQUIRE(handle.processes != nullptr);
  }

  ~fixture() { stop_node(handle); }

  /// Runs `input` on the assistant and returns its final status.
  run_status run(const std::string& input) {
    return test::run_assistant(self, handle.node, input);
  }

  /// The tool_finished step of `run`.
  run_step tool_finished(run_id run) {
    self->request(handle.node, 10s, subscribe_run{"acme", run, self, 0})
        .receive([](const run_subscription&) {},
                 [&](const caf::error& err) {
                   CAF_FAIL("subscribe failed: " << sys.render(err));
                 });
    run_step found;
    bool more = true;
    while (more)
      self->receive(
          [&](const run_event& event) {
            if (event.step.kind == step_kind::tool_finished)
              found = event.step;
          },
          caf::after(0s) >> [&] { more = false; });
    CAF_REQUIRE(found.kind == step_kind::tool_finished);
    return found;
  }
};

} // namespace

CAF_TEST(an agent gets the output of a command tool through the governed path) {
  auto path = std::filesystem::temp_directory_path() /
              ("warden-command-" + std::to_string(::getpid()) + ".json");
  fixture f{"command = \"tee\"\nargs = [\"" + path.string() + "\"]"};
  auto status = f.run("note this");
  CAF_CHECK(status.state == run_state::succeeded);
  CAF_CHECK_EQUAL(status.usage.tool_calls, 1u);
  // The child ran with the call's JSON arguments on its stdin.
  auto written = read(path);
  CAF_CHECK(written.find("note this") != std::string::npos);
  CAF_CHECK_EQUAL(written.front(), '{');
  auto step = f.tool_finished(status.run);
  CAF_CHECK(!step.error);
  std::filesystem::remove(path);
}

CAF_TEST(a nonzero exit reaches the agent as a tool error with stderr) {
  fixture f{"command = \"/bin/sh\"\n"
            "args = [\"-c\", \"echo bad input >&2; exit 3\"]"};
  auto status = f.run("try this");
  // A tool error is the agent's to read: the run itself goes on.
  CAF_CHECK(status.state == run_state::succeeded);
  auto step = f.tool_finished(status.run);
  CAF_CHECK(step.error);
  CAF_CHECK(step.detail.find("exited with code 3") != std::string::npos);
  CAF_CHECK(step.detail.find("bad input") != std::string::npos);
  CAF_MESSAGE("detail: " << step.detail);
}

CAF_TEST(stop_node kills a running child and leaves none behind) {
  fixture f{"command = \"/bin/sh\"\n"
            "args = [\"-c\", \"trap '' TERM; sleep 30\"]"};
  f.self
      ->request(f.handle.node, 10s,
                submit_run{"acme", "assistant", "wait", "", ""})
      .receive([](const run_ack&) {},
               [&](const caf::error& err) {
                 CAF_FAIL("submit failed: " << f.sys.render(err));
               });
  auto processes = f.handle.processes;
  for (int i = 0; i < 500 && processes->running() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  CAF_REQUIRE_EQUAL(processes->running(), 1u);
  stop_node(f.handle);
  CAF_CHECK_EQUAL(processes->running(), 0u);
  CAF_CHECK(f.handle.processes == nullptr);
}
