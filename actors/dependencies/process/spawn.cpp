#include "actors/dependencies/process/spawn.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace warden::process {

namespace {

/// What the child writes to the report pipe when a step before exec fails.
struct failure_report {
  int step = 0; ///< 1: chdir, 2: exec, 3: setting up descriptors
  int error = 0;
};

// The flag of close_range(2) that marks descriptors close-on-exec (Linux
// 5.11), spelled out: older kernel headers lack it.
constexpr unsigned close_range_cloexec = 1U << 2;

void close_all(std::initializer_list<int> fds) {
  for (int fd : fds)
    if (fd >= 0)
      ::close(fd);
}

std::vector<char*> pointers_to(std::vector<std::string>& texts) {
  std::vector<char*> result;
  result.reserve(texts.size() + 1);
  for (auto& text : texts)
    result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

/// The child's side, between fork and exec: only async-signal-safe calls.
[[noreturn]] void become_child(const launch_spec& spec, pid_t parent,
                               char* const* argv, char* const* envp,
                               std::array<int, 3> streams, int report) {
  auto fail = [report](int step) {
    failure_report what{step, errno};
    [[maybe_unused]] auto ignored = ::write(report, &what, sizeof what);
    ::_exit(127);
  };
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before prctl: then nobody would kill us.
  if (::getppid() != parent)
    ::_exit(127);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP)
      ::sigaction(sig, &dfl, nullptr);
  // Move the pipe ends above 2 first: one of them may be 0, 1 or 2.
  for (auto& fd : streams)
    if ((fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
      fail(3);
  for (int target = 0; target < 3; ++target)
    if (::dup2(streams[target], target) < 0)
      fail(3);
  // Whatever another thread opened without O_CLOEXEC stays behind.
  ::syscall(SYS_close_range, 3U, ~0U, close_range_cloexec);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0)
    fail(1);
  ::execve(spec.path.c_str(), argv, envp);
  fail(2);
  ::_exit(127);
}

} // namespace

std::variant<child_handles, std::string> spawn_child(const launch_spec& spec) {
  // Everything the child needs is built before fork: it may not allocate.
  std::vector<std::string> args;
  args.reserve(spec.args.size() + 1);
  args.push_back(spec.path);
  args.insert(args.end(), spec.args.begin(), spec.args.end());
  auto argv = pointers_to(args);
  auto environment = spec.environment;
  auto envp = pointers_to(environment);
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int report[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
      ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    std::string why = std::string{"cannot make pipes: "} + std::strerror(errno);
    close_all(
        {in[0], in[1], out[0], out[1], err[0], err[1], report[0], report[1]});
    return why;
  }
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid == 0)
    become_child(spec, parent, argv.data(), envp.data(),
                 {in[0], out[1], err[1]}, report[1]);
  close_all({in[0], out[1], err[1], report[1]});
  if (pid < 0) {
    std::string why = std::string{"cannot fork: "} + std::strerror(errno);
    close_all({in[1], out[0], err[0], report[0]});
    return why;
  }
  // The report pipe closes at exec (close-on-exec): zero bytes mean the
  // program runs.
  failure_report what;
  ssize_t got = 0;
  do
    got = ::read(report[0], &what, sizeof what);
  while (got < 0 && errno == EINTR);
  ::close(report[0]);
  if (got > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    close_all({in[1], out[0], err[0]});
    const char* step = what.step == 1   ? "cannot change to directory "
                       : what.step == 2 ? "cannot execute "
                                        : "cannot set up the streams of ";
    return step + (what.step == 1 ? spec.cwd : spec.path) + ": " +
           std::strerror(what.error);
  }
  auto pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    std::string why = std::string{"cannot watch the child (pidfd_open): "} +
                      std::strerror(errno);
    ::kill(-pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    close_all({in[1], out[0], err[0]});
    return why;
  }
  return child_handles{pid, pidfd, in[1], out[0], err[0]};
}

} // namespace warden::process
