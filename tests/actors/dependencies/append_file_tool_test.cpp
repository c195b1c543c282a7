#define CAF_SUITE actors.append_file_tool
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <caf/test/dsl.hpp>

#include "actors/dependencies/tool_runner.hpp"
#include "tests/actors/dependencies/dependency_test_support.hpp"

using namespace warden;

namespace {

tool_request make_request(run_id run, std::string arguments) {
  tool_request x;
  x.run = run;
  x.session = run;
  x.step = 2;
  x.index = 1;
  x.tool = "log";
  x.arguments = std::move(arguments);
  x.idempotency_key = std::to_string(run) + "/2/1";
  return x;
}

struct fixture : test::dependency_fixture_base {
  std::filesystem::path dir;
  tool_registry registry;
  caf::actor runner;

  fixture() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "warden-append-XXXXXX")
            .string();
    if (::mkdtemp(pattern.data()) == nullptr)
      CAF_FAIL("cannot create a temporary directory");
    dir = pattern;
  }

  ~fixture() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  void start(const std::filesystem::path& path) {
    config::tool_settings s;
    s.kind = config::tool_kind::append_file;
    s.path = path.string();
    s.timeout_ms = 1000;
    auto cfg = make_tool_runner_config(sys, "log", s, registry);
    if (!cfg)
      CAF_FAIL(error_reason(cfg.error()));
    cfg->governor = governor;
    runner = sys.spawn(tool_runner, std::move(*cfg));
    sched.run();
  }

  void call(run_id run, std::string arguments) {
    self->send(runner, make_request(run, std::move(arguments)));
    sched.run();
  }

  static std::string read(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(append_file_tool_tests, fixture)

CAF_TEST(each call appends one line with its idempotency key) {
  auto path = dir / "effects.log";
  start(path);
  CAF_CHECK(!std::filesystem::exists(path));
  call(7, R"({"text": "first"})");
  call(8, "not json");
  auto got = take<tool_reply>();
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_REQUIRE(got[0].ok() && got[1].ok());
  CAF_CHECK_EQUAL(got[0].reply->output, "appended");
  CAF_CHECK_EQUAL(read(path), "7/2/1\t{\"text\": \"first\"}\n"
                              "8/2/1\tnot json\n");
  CAF_CHECK_EQUAL(governor_state().tool_call, 2u);
}

CAF_TEST(appending keeps what the file already holds) {
  auto path = dir / "effects.log";
  std::ofstream{path} << "earlier\n";
  start(path);
  call(1, "x");
  CAF_CHECK_EQUAL(read(path), "earlier\n1/2/1\tx\n");
}

CAF_TEST(line breaks in the arguments stay on one line) {
  auto path = dir / "effects.log";
  start(path);
  call(3, "{\n  \"text\": \"a\"\r\n}");
  CAF_CHECK_EQUAL(read(path), "3/2/1\t{\\n  \"text\": \"a\"\\r\\n}\n");
}

CAF_TEST(a file that cannot be opened fails the call naming path and cause) {
  auto path = dir / "missing" / "effects.log";
  start(path);
  call(1, "x");
  call(2, "y");
  auto got = take<tool_reply>();
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK(got[0].code() == error_code::dependency_failed);
  auto reason = error_reason(got[0].error);
  CAF_MESSAGE(reason);
  CAF_CHECK_NOT_EQUAL(reason.find(path.string()), std::string::npos);
  CAF_CHECK_NOT_EQUAL(reason.find("No such file or directory"),
                      std::string::npos);
  // Effectful: failed, never retried, and the permit comes back.
  CAF_CHECK(got[1].code() == error_code::dependency_failed);
  CAF_CHECK_EQUAL(governor_state().tool_call, 2u);
  // The next call opens the file again and succeeds once it can.
  std::filesystem::create_directory(dir / "missing");
  call(3, "z");
  auto later = take<tool_reply>();
  CAF_REQUIRE_EQUAL(later.size(), 1u);
  CAF_CHECK(later[0].ok());
  CAF_CHECK_EQUAL(read(path), "3/2/1\tz\n");
}

CAF_TEST_FIXTURE_SCOPE_END()
