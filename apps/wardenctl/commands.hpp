#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

namespace warden::apps {

/// One wardenctl invocation, parsed.
struct ctl_command {
  /// submit, turn, status, wait, cancel, events, sessions, drain, tenant,
  /// mcp-servers, cluster or new-api-key.
  std::string verb;
  /// What `tenant` does to the tenant it names (in `tenant`): pause or
  /// resume.
  std::string tenant_action;
  /// HOST:PORT of the node. Default 127.0.0.1:4242.
  std::string node = "127.0.0.1:4242";
  /// The node's HTTP API (`http://127.0.0.1:8080`); empty: speak CAF to
  /// `node`.
  std::string api;
  /// A file whose first line is the API key (else $WARDEN_API_KEY).
  std::string api_key_file;
  /// For an https:// API: a PEM file of the CAs to trust instead of the
  /// system's (else $WARDEN_API_CA_FILE).
  std::string api_ca_file;
  /// The tenant the request speaks for (also from WARDEN_TENANT); for
  /// `tenant pause|resume TENANT`, the tenant named there.
  std::string tenant;
  std::string agent;
  std::string input;
  std::string priority;
  std::string key;
  /// What a turn does when the session is busy: enqueue, reject or
  /// interrupt; empty = the agent's default.
  std::string on_busy;
  /// drain --member NAME: the cluster member to move every session off;
  /// empty: drain the node talked to.
  std::string member;
  /// The run of status, wait, cancel and events; the session of turn.
  std::uint64_t run = 0;
  /// Print machine-readable JSON instead of text.
  bool json = false;
  /// How long to wait for the node's answer; wait and drain default to no
  /// limit, the others to 10 s.
  std::optional<std::chrono::seconds> timeout;
  /// Directory of the client's TLS files (client.pem, client.key, ca.pem).
  /// Default $WARDEN_TLS_DIR, else ./var/tls (the demo node's).
  std::string tls_dir = "./var/tls";
  /// Files that override those of tls_dir; empty = from tls_dir.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
};

/// The outcome of parsing the command line: a command to run, or an exit code
/// to leave with at once (after --help or a usage error, already printed).
struct ctl_parse_result {
  std::optional<ctl_command> command;
  int exit_code = 0;
};

/// Parses wardenctl's command line; prints help and usage errors.
[[nodiscard]] ctl_parse_result parse_ctl_command(int argc, char** argv);

/// new-api-key: prints a new key and its digest (text, or JSON with
/// `cmd.json`); returns the exit code.
[[nodiscard]] int print_new_api_key(const ctl_command& cmd);

/// Runs `cmd` through the node's HTTP API (cmd.api), retrying lost answers
/// (api_transport.cpp); returns the exit code.
[[nodiscard]] int run_api_command(const ctl_command& cmd);

/// Runs `cmd`, retrying an answer that never came where asking again is
/// safe, and prints the answer; returns the exit code (attempts.cpp).
[[nodiscard]] int run_ctl_command(const ctl_command& cmd);

/// How one attempt at a command goes.
struct ctl_attempt {
  /// An answer that has not come after this long counts as lost (none: wait
  /// for it until `deadline`).
  std::optional<std::chrono::milliseconds> answer_timeout;
  /// When the whole command ends; none: never (wait, drain).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  /// Whether a lost answer ends the attempt with `exit_answer_lost`, to be
  /// retried, instead of being reported.
  bool retryable = false;
};

/// What is left until `deadline`, at least 1 ms; none without a deadline.
[[nodiscard]] inline std::optional<std::chrono::milliseconds> time_left(
    const std::optional<std::chrono::steady_clock::time_point>& deadline) {
  if (!deadline)
    return std::nullopt;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      *deadline - std::chrono::steady_clock::now());
  return std::max(ms, std::chrono::milliseconds{1});
}

/// An attempt whose answer was lost: the caller may try again. Never leaves
/// wardenctl.
inline constexpr int exit_answer_lost = 75;

/// While waiting for a run, the longest one await_run asks the node to hold
/// its answer; a wait asks again after each.
inline constexpr std::chrono::milliseconds wait_poll{5000};

/// How long an answer may take beyond what the request asked the node to
/// wait before it counts as lost.
inline constexpr std::chrono::milliseconds answer_grace{3000};

/// Connects to the node, makes one attempt at `cmd`, prints the answer (or
/// nothing, when it returns `exit_answer_lost`); returns the exit code
/// (client.cpp).
[[nodiscard]] int run_ctl_attempt(const ctl_command& cmd,
                                  const ctl_attempt& attempt);

/// Prints that no answer came (text or JSON, as `cmd` asks).
void report_no_answer(const ctl_command& cmd, const std::string& why);

} // namespace warden::apps
