#define CAF_SUITE actors.process_service
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <caf/test/unit_test.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "actors/dependencies/command_tool.hpp"
#include "actors/dependencies/process/process_service.hpp"

using namespace warden;
using namespace warden::process;
using namespace std::chrono_literals;

namespace {

/// A request to run /bin/sh with `script` (the test's own command line).
process_request shell(std::string script, std::string input = {}) {
  process_request r;
  r.launch.path = "/bin/sh";
  r.launch.args = {"-c", std::move(script)};
  r.launch.environment = child_environment({});
  r.input = std::move(input);
  r.timeout = 10s;
  r.kill_grace = 2s;
  return r;
}

/// Runs `r` on `service` and waits (bounded) for its outcome.
process_result run_and_wait(process_service& service, process_request r) {
  auto promise = std::make_shared<std::promise<process_result>>();
  auto outcome = promise->get_future();
  service.run(std::move(r), [promise](process_result result) {
    promise->set_value(std::move(result));
  });
  if (outcome.wait_for(30s) != std::future_status::ready)
    CAF_FAIL("no outcome within 30 s");
  return outcome.get();
}

/// State, parent and process group of every process, from /proc.
struct process_info {
  char state = '?';
  long ppid = 0;
  long pgrp = 0;
};

std::vector<process_info> processes() {
  std::vector<process_info> result;
  auto* dir = ::opendir("/proc");
  while (auto* entry = ::readdir(dir)) {
    std::ifstream stat{std::string{"/proc/"} + entry->d_name + "/stat"};
    std::string line;
    if (!std::getline(stat, line))
      continue;
    // The command name is in parentheses and may hold spaces.
    auto close = line.rfind(')');
    if (close == std::string::npos)
      continue;
    std::istringstream rest{line.substr(close + 1)};
    process_info info;
    if (rest >> info.state >> info.ppid >> info.pgrp)
      result.push_back(info);
  }
  ::closedir(dir);
  return result;
}

/// Children of this process that are zombies.
int zombie_children() {
  int zombies = 0;
  for (const auto& p : processes())
    if (p.ppid == ::getpid() && p.state == 'Z')
      ++zombies;
  return zombies;
}

/// Members of process group `pgid` that still run (zombies not counted:
/// the orphans among them are init's to reap).
int live_members(pid_t pgid) {
  int live = 0;
  for (const auto& p : processes())
    if (p.pgrp == pgid && p.state != 'Z')
      ++live;
  return live;
}

/// Members of `pgid` still running once SIGKILL had time to land: a killed
/// process dies when the kernel next schedules it, which on a loaded machine
/// is after the reap that sent the signal returned (bounded at 5 s).
int live_members_after_kill(pid_t pgid) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  auto live = live_members(pgid);
  while (live > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    live = live_members(pgid);
  }
  return live;
}

} // namespace

CAF_TEST(a child that exits 0 answers with its stdout and reads its stdin) {
  process_service service;
  auto result = run_and_wait(service, shell("cat; echo done", "{\"x\":1}"));
  CAF_CHECK(result.end == process_end::exited);
  CAF_CHECK_EQUAL(result.exit_code, 0);
  CAF_CHECK_EQUAL(result.output, "{\"x\":1}done\n");
  CAF_CHECK_EQUAL(service.running(), 0u);
}

CAF_TEST(a nonzero exit carries its code and the tail of stderr) {
  process_service service;
  // 5000 bytes of x on stderr, then a last line: only the tail is kept.
  auto result =
      run_and_wait(service, shell("head -c 5000 /dev/zero | tr '\\0' x >&2; "
                                  "echo 'the last words' >&2; exit 3"));
  CAF_CHECK(result.end == process_end::exited);
  CAF_CHECK_EQUAL(result.exit_code, 3);
  CAF_CHECK_EQUAL(result.error_tail.size(), 2048u);
  CAF_CHECK_EQUAL(result.error_tail.substr(result.error_tail.size() - 15),
                  "the last words\n");
  auto failure = command_failure(result, 10s, 100);
  CAF_REQUIRE(failure.has_value());
  CAF_CHECK(failure->error == policies::error_class::permanent);
  CAF_CHECK(failure->reason.find("exited with code 3") != std::string::npos);
  CAF_CHECK(failure->reason.find("the last words") != std::string::npos);
}

CAF_TEST(output beyond the cap kills the child) {
  process_service service;
  auto r = shell("exec cat /dev/zero");
  r.max_output_bytes = 100'000;
  auto result = run_and_wait(service, std::move(r));
  CAF_CHECK(result.end == process_end::killed);
  CAF_CHECK(result.reason == kill_reason::output_cap);
  CAF_CHECK_EQUAL(result.output.size(), 100'000u);
  auto failure = command_failure(result, 10s, 100'000);
  CAF_REQUIRE(failure.has_value());
  CAF_CHECK(failure->reason.find("max_output_bytes") != std::string::npos);
}

CAF_TEST(a timeout sends TERM and then KILL to a child that traps TERM) {
  process_service service;
  auto r = shell("trap '' TERM; echo ready; while :; do sleep 0.05; done");
  r.timeout = 200ms;
  r.kill_grace = 300ms;
  auto begin = std::chrono::steady_clock::now();
  auto result = run_and_wait(service, std::move(r));
  auto took = std::chrono::steady_clock::now() - begin;
  CAF_CHECK(result.end == process_end::killed);
  CAF_CHECK(result.reason == kill_reason::timeout);
  CAF_CHECK_EQUAL(result.output, "ready\n");
  // TERM was ignored: only the KILL after the grace ended it.
  CAF_CHECK(took >= 500ms);
  CAF_CHECK(took < 5s);
  auto failure = command_failure(result, 200ms, 100);
  CAF_REQUIRE(failure.has_value());
  CAF_CHECK(failure->error == policies::error_class::timeout);
}

CAF_TEST(the environment holds env and PATH HOME LANG only) {
  ::setenv("WARDEN_SECRET_TEST", "do-not-leak", 1);
  ::setenv("HOME", "/home/tester", 1);
  process_service service;
  auto r = shell("env | sort");
  r.launch.environment = child_environment({{"GREETING", "hi there"}});
  auto result = run_and_wait(service, std::move(r));
  CAF_CHECK_EQUAL(result.exit_code, 0);
  CAF_CHECK(result.output.find("WARDEN_SECRET_TEST") == std::string::npos);
  CAF_CHECK(result.output.find("GREETING=hi there\n") != std::string::npos);
  CAF_CHECK(result.output.find("HOME=/home/tester\n") != std::string::npos);
  // Every line names one of the allowed variables (sh adds PWD and SHLVL).
  std::size_t begin = 0;
  while (begin < result.output.size()) {
    auto end = result.output.find('\n', begin);
    auto name =
        result.output.substr(begin, result.output.find('=', begin) - begin);
    bool allowed = name == "GREETING" || name == "PATH" || name == "HOME" ||
                   name == "LANG" || name == "PWD" || name == "SHLVL" ||
                   name == "_";
    if (!allowed)
      CAF_ERROR("unexpected variable " << name);
    begin = end == std::string::npos ? end : end + 1;
  }
  ::unsetenv("WARDEN_SECRET_TEST");
}

CAF_TEST(a command that cannot start is reported not started) {
  process_service service;
  process_request r;
  r.launch.path = "/no/such/program";
  auto result = run_and_wait(service, std::move(r));
  CAF_CHECK(result.end == process_end::not_started);
  CAF_CHECK(result.problem.find("cannot execute") != std::string::npos);
  r.launch.path = "/bin/true";
  r.launch.cwd = "/no/such/dir";
  result = run_and_wait(service, std::move(r));
  CAF_CHECK(result.problem.find("cannot change to directory") !=
            std::string::npos);
}

CAF_TEST(a thousand calls leave no zombie behind) {
  process_service service;
  for (int i = 0; i < 1000; ++i) {
    auto r = shell("exit 0");
    r.launch.path = "/bin/true";
    r.launch.args.clear();
    auto result = run_and_wait(service, std::move(r));
    if (result.exit_code != 0 || result.end != process_end::exited)
      CAF_FAIL("call " << i << " failed");
  }
  CAF_CHECK_EQUAL(service.running(), 0u);
  CAF_CHECK_EQUAL(zombie_children(), 0);
  errno = 0;
  CAF_CHECK_EQUAL(::waitpid(-1, nullptr, WNOHANG), -1);
  CAF_CHECK_EQUAL(errno, ECHILD);
}

CAF_TEST(stop kills and reaps every running child and its group) {
  auto service = std::make_unique<process_service>();
  std::vector<std::future<process_result>> outcomes;
  for (int i = 0; i < 4; ++i) {
    auto promise = std::make_shared<std::promise<process_result>>();
    outcomes.push_back(promise->get_future());
    auto r = shell("trap '' TERM; sleep 30 & wait");
    r.kill_grace = 200ms;
    service->run(std::move(r), [promise](process_result result) {
      promise->set_value(std::move(result));
    });
  }
  for (int i = 0; i < 200 && service->running() < 4; ++i)
    std::this_thread::sleep_for(10ms);
  CAF_REQUIRE_EQUAL(service->running(), 4u);
  service->stop();
  for (auto& outcome : outcomes) {
    CAF_REQUIRE(outcome.wait_for(0s) == std::future_status::ready);
    auto result = outcome.get();
    CAF_CHECK(result.reason == kill_reason::shutdown);
    // Its group, the background sleep included, is gone.
    CAF_REQUIRE(result.pid > 0);
    CAF_CHECK_EQUAL(live_members_after_kill(result.pid), 0);
  }
  CAF_CHECK_EQUAL(service->running(), 0u);
  CAF_CHECK_EQUAL(zombie_children(), 0);
  // After stop, calls end at once without a process.
  auto result = run_and_wait(*service, shell("exit 0"));
  CAF_CHECK(result.end == process_end::not_started);
}

CAF_TEST(process metrics count starts kills and running children) {
  prometheus::Registry registry;
  auto metrics = make_process_metrics(registry, "t");
  process_service service;
  auto ok = shell("exit 0");
  ok.metrics = metrics;
  run_and_wait(service, ok);
  auto slow = shell("sleep 30");
  slow.metrics = metrics;
  slow.timeout = 50ms;
  slow.kill_grace = 0ms;
  auto result = run_and_wait(service, slow);
  CAF_CHECK(result.reason == kill_reason::timeout);
  CAF_CHECK_EQUAL(metrics.starts->Value(), 2.0);
  CAF_CHECK_EQUAL(metrics.running->Value(), 0.0);
  CAF_CHECK_EQUAL(
      metrics.kills[static_cast<int>(kill_reason::timeout)]->Value(), 1.0);
  CAF_CHECK_EQUAL(
      metrics.kills[static_cast<int>(kill_reason::output_cap)]->Value(), 0.0);
}
