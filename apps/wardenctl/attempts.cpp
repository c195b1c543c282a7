// wardenctl's attempts: a command whose answer never comes (or whose
// connection goes down under it, request_receiver_down) is asked again,
// where asking again is safe, each time from a fresh child process.
//
// Why a fresh process: CAF 0.17's middleman names a node by host and process
// id and keeps one connection per node, with no way to drop it. A node that
// loses track of a connection (CAF 0.17.6 can: when a client's socket closes
// and the next client gets the same descriptor before the node has cleaned
// up, the newcomer's requests arrive without a sender and their answers go
// nowhere) never answers on it again; another connection from the same
// process is routed to the lost one. A child process has its own id, so its
// connection is new to the node.

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <optional>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/exit_codes.hpp"
#include "apps/wardenctl/commands.hpp"

namespace warden::apps {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// The first attempt's bound on a single answer; each retry doubles it.
constexpr milliseconds first_answer_timeout{3000};
constexpr milliseconds longest_answer_timeout{60000};

/// Whether asking again cannot do anything twice: reads, cancel and drain
/// are idempotent, and a submission or turn is only with an idempotency key.
bool retry_safe(const ctl_command& cmd) {
  if (cmd.verb == "submit" || cmd.verb == "turn")
    return !cmd.key.empty();
  return true;
}

/// When an attempt is given up even if it never gets as far as asking (a
/// connection that never completes): after its answer's bound, or the
/// command's deadline, and twice the grace; none for a wait without limit.
std::optional<clock::time_point> give_up_at(const ctl_attempt& attempt) {
  if (attempt.answer_timeout)
    return clock::now() + *attempt.answer_timeout + 2 * answer_grace;
  if (attempt.deadline)
    return *attempt.deadline + 2 * answer_grace;
  return std::nullopt;
}

/// The signal set of SIGCHLD alone.
sigset_t sigchld_set() {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  return chld;
}

/// Waits for `child` to end, killing it at `give_up` (SIGCHLD is blocked,
/// so its arrival can be awaited with a timeout). Returns its wait status,
/// or nullopt when it was killed or could not be waited for.
std::optional<int> await_child(pid_t child,
                               std::optional<clock::time_point> give_up) {
  auto chld = sigchld_set();
  for (;;) {
    int status = 0;
    auto done = waitpid(child, &status, WNOHANG);
    if (done == child)
      return status;
    if (done < 0 && errno != EINTR)
      return std::nullopt;
    if (!give_up) {
      sigwaitinfo(&chld, nullptr);
      continue;
    }
    auto left = *give_up - clock::now();
    if (left <= clock::duration::zero()) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return std::nullopt;
    }
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left);
    timespec ts{static_cast<time_t>(ns.count() / 1'000'000'000),
                static_cast<long>(ns.count() % 1'000'000'000)};
    sigtimedwait(&chld, nullptr, &ts);
  }
}

/// Runs `attempt` in a child process; returns its exit code, or
/// exit_answer_lost when it overran its time and was killed, or
/// exit_failure when it died by a signal.
int run_in_child(const ctl_command& cmd, const ctl_attempt& attempt) {
  std::cout.flush();
  auto chld = sigchld_set();
  sigset_t old;
  sigprocmask(SIG_BLOCK, &chld, &old);
  auto give_up = give_up_at(attempt);
  auto parent = getpid();
  auto child = fork();
  if (child < 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    std::cerr << "wardenctl: cannot start an attempt: fork failed\n";
    return exit_failure;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    // Ends with wardenctl, whoever kills it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(exit_failure);
    auto rc = run_ctl_attempt(cmd, attempt);
    std::cout.flush();
    std::cerr.flush();
    _exit(rc);
  }
  auto status = await_child(child, give_up);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  if (!status)
    return exit_answer_lost;
  if (WIFEXITED(*status))
    return WEXITSTATUS(*status);
  std::cerr << "wardenctl: an attempt died by signal " << WTERMSIG(*status)
            << '\n';
  return exit_failure;
}

} // namespace

int run_ctl_command(const ctl_command& cmd) {
  ctl_attempt attempt;
  auto waits = cmd.verb == "wait" || cmd.verb == "drain";
  if (cmd.timeout)
    attempt.deadline = clock::now() + *cmd.timeout;
  else if (!waits)
    attempt.deadline = clock::now() + std::chrono::seconds{10};
  if (!retry_safe(cmd)) // one attempt, which reports a lost answer itself
    return run_ctl_attempt(cmd, attempt);
  attempt.retryable = true;
  auto answer_timeout = first_answer_timeout;
  for (int attempts = 1;; ++attempts) {
    if (cmd.verb != "wait") // wait bounds each of its requests itself
      attempt.answer_timeout = std::min(
          answer_timeout, time_left(attempt.deadline).value_or(answer_timeout));
    auto rc = run_in_child(cmd, attempt);
    if (rc != exit_answer_lost)
      return rc;
    if (attempt.deadline && clock::now() >= *attempt.deadline) {
      report_no_answer(cmd, "no answer within the timeout (" +
                                std::to_string(attempts) + " attempts)");
      return exit_failure;
    }
    answer_timeout = std::min(answer_timeout * 2, longest_answer_timeout);
  }
}

} // namespace warden::apps
