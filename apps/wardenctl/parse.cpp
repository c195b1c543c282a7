#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "apps/exit_codes.hpp"
#include "apps/wardenctl/commands.hpp"

namespace po = boost::program_options;

namespace warden::apps {

namespace {

constexpr const char* usage = R"(Usage: wardenctl [options] COMMAND [ARGS]

Commands:
  submit --tenant T --agent A --input TEXT [--priority P] [--key K]
                      submit a run; prints its run id
  turn SESSION --tenant T --input TEXT [--priority P] [--key K]
       [--on-busy enqueue|reject|interrupt]
                      send another turn to a session; prints its run id
  status RUN          print the run's status
  wait RUN            wait for the run to end; prints its output
  cancel RUN          cancel the run and its subtree
  events RUN          follow the run's events as they happen (--api only):
                      its lifecycle and each model call, tool call and child;
                      ends with the final one (exit code as for wait)
  sessions            list the tenant's sessions
  drain               drain the node: refuse new runs, finish or cancel the rest
  drain --member NAME move every session off cluster member NAME (any member
                      can be asked): it stops owning placement slots and hands
                      each idle session to its slot's new owner; prints how
                      many moved and how many are still there
  tenant pause TENANT hold the tenant's new runs in the queue (they are still
                      accepted); its running runs and their children go on
  tenant resume TENANT
                      let the tenant's waiting runs start again; the pause is
                      kept in the node's memory (a restart resumes everyone)
  mcp-servers         each MCP server's processes, queued calls, restarts,
                      last failure and the end of its stderr (--api only)
  cluster             the cluster as the node sees it: each member's address,
                      state (up or down), placement slots, resident sessions
                      and open runs
  new-api-key         print a new random API key and its SHA-256, the digest
                      an [api.keys.<id>] table of wardend's configuration
                      holds (the key itself is never written there)

With --api URL, wardenctl speaks the node's HTTP API: the key
(--api-key-file, or WARDEN_API_KEY) names the tenant, so --tenant is not
needed; drain, tenant, mcp-servers and cluster take an admin key. A request whose answer is lost
is sent again within the timeout; submit and turn always carry an
idempotency key (--key, or one wardenctl makes), so that a second run is
never started.

Over CAF (--node), an answer that does not come is asked for again, from a
new connection, within the timeout: for every command but a submit or turn
without --key, which would start a second run.

The node's port takes mutual TLS: wardenctl presents the client certificate
of --tls-dir (default $WARDEN_TLS_DIR, else ./var/tls), made by wardend in
<node.data_dir>/tls on its first start, and trusts that directory's ca.pem.

Exit codes: 0 ok; 1 the node answered with an error, or no answer came in
time; 2 bad command line or unusable TLS files; 3 the run ended without
success (wait, events); 4 no such run, session or tenant; 5 the node cannot
be reached; 6 the TLS handshake failed (the node refused this client's
certificate, or this client the node's).

Options)";

bool fail(const std::string& message) {
  std::cerr << "wardenctl: " << message << "\nTry `wardenctl --help`.\n";
  return false;
}

/// Whether `name` can be a path segment as it is (the API reads segments
/// as sent): unreserved URL characters only.
bool path_safe(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
           c == '_' || c == '.' || c == '~';
  });
}

/// Takes the operands after the command into `cmd`: a run or session id,
/// or, for `tenant`, pause|resume and the tenant's name.
bool take_operands(ctl_command& cmd, const std::vector<std::string>& args) {
  auto wants = cmd.verb == "tenant" ? 2u : 1u;
  if (args.size() > wants)
    return fail("unexpected argument `" + args[wants] + "`");
  if (cmd.verb == "tenant") {
    if (args.empty() || (args[0] != "pause" && args[0] != "resume"))
      return fail("tenant needs pause or resume, then the tenant's name");
    if (args.size() < 2 || args[1].empty())
      return fail("tenant " + args[0] + " needs the tenant's name");
    if (!cmd.api.empty() && !path_safe(args[1]))
      return fail("tenant `" + args[1] +
                  "`: over --api a tenant's name is letters, digits and "
                  "-_.~ only");
    cmd.tenant_action = args[0];
    cmd.tenant = args[1];
    return true;
  }
  if (args.empty())
    return true;
  const auto& run_text = args[0];
  // Digits only: strtoull would take "-1" as 2^64 - 1, and skip spaces.
  char* end = nullptr;
  errno = 0;
  auto value = std::strtoull(run_text.c_str(), &end, 10);
  bool digits = std::all_of(run_text.begin(), run_text.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || end == run_text.c_str() || *end != '\0' || errno == ERANGE)
    return fail("run id `" + run_text +
                "` is not a run id (a positive number)");
  cmd.run = value;
  return true;
}

bool known_verb(const ctl_command& cmd) {
  static const char* verbs[] = {
      "submit",   "turn",  "status", "wait",        "cancel",      "events",
      "sessions", "drain", "tenant", "new-api-key", "mcp-servers", "cluster"};
  bool known = false;
  for (auto verb : verbs)
    known = known || cmd.verb == verb;
  return known || fail("unknown command `" + cmd.verb + "`");
}

bool check(const ctl_command& cmd) {
  if (cmd.verb == "mcp-servers" && cmd.api.empty())
    return fail("mcp-servers needs --api: the node's HTTP API serves it");
  if (!cmd.member.empty() && cmd.verb != "drain")
    return fail("--member is an option of drain");
  if (!cmd.member.empty() &&
      (cmd.member.size() > 64 ||
       !std::all_of(cmd.member.begin(), cmd.member.end(), [](char c) {
         return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                c == '-';
       })))
    return fail("--member takes a member's name as [cluster] nodes gives "
                "it: 1 to 64 characters of A-Z, a-z, 0-9, _ and -");
  if (cmd.verb != "drain" && cmd.verb != "new-api-key" &&
      cmd.verb != "cluster" && cmd.api.empty() && cmd.tenant.empty())
    return fail(cmd.verb + " needs --tenant (or WARDEN_TENANT)");
  if (cmd.verb == "submit" && cmd.agent.empty())
    return fail("submit needs --agent");
  if (cmd.verb == "events" && cmd.api.empty())
    return fail("events needs --api: the stream is served by the HTTP API");
  bool needs_run = cmd.verb == "status" || cmd.verb == "wait" ||
                   cmd.verb == "cancel" || cmd.verb == "turn" ||
                   cmd.verb == "events";
  if (needs_run && cmd.run == 0)
    return fail(
        cmd.verb +
        (cmd.verb == "turn" ? " needs a session id" : " needs a run id") +
        " (a positive number)");
  return true;
}

} // namespace

ctl_parse_result parse_ctl_command(int argc, char** argv) {
  ctl_command cmd;
  if (const char* tenant = std::getenv("WARDEN_TENANT"))
    cmd.tenant = tenant;
  if (const char* dir = std::getenv("WARDEN_TLS_DIR"); dir && *dir)
    cmd.tls_dir = dir;
  std::int64_t timeout_s = -1;
  std::vector<std::string> operands;
  po::options_description options{usage};
  options.add_options()                      //
      ("help,h", "print this help and exit") //
      ("node", po::value(&cmd.node)->value_name("HOST:PORT"),
       "the node to talk to (default 127.0.0.1:4242)") //
      ("api", po::value(&cmd.api)->value_name("URL"),
       "talk to the node's HTTP API instead (http://127.0.0.1:8080, or "
       "https://); the key names the tenant") //
      ("api-key-file", po::value(&cmd.api_key_file)->value_name("FILE"),
       "the API key, on the first line (default $WARDEN_API_KEY)") //
      ("api-ca-file", po::value(&cmd.api_ca_file)->value_name("FILE"),
       "for an https:// API: the CAs to trust, PEM (default "
       "$WARDEN_API_CA_FILE, else the system's)")                   //
      ("tenant", po::value(&cmd.tenant)->value_name("T"), "tenant") //
      ("agent", po::value(&cmd.agent)->value_name("A"),
       "agent to run (submit)")("input",
                                po::value(&cmd.input)->value_name("TEXT"),
                                "the run's input (submit)") //
      ("priority", po::value(&cmd.priority)->value_name("P"),
       "priority class (submit; default: the node's)") //
      ("key", po::value(&cmd.key)->value_name("K"),
       "idempotency key (submit): the same key returns the same run") //
      ("on-busy", po::value(&cmd.on_busy)->value_name("MODE"),
       "turn, when the session's last turn has not ended: enqueue (run "
       "after it), reject, or interrupt (cancel it); default: the agent's") //
      ("member", po::value(&cmd.member)->value_name("NAME"),
       "drain: the cluster member to move every session off") //
      ("json", po::bool_switch(&cmd.json), "print JSON")      //
      ("timeout", po::value(&timeout_s)->value_name("SECONDS"),
       "how long to wait for the answer (default 10; wait and drain: none)") //
      ("tls-dir", po::value(&cmd.tls_dir)->value_name("DIR"),
       "directory of client.pem, client.key and ca.pem (default "
       "$WARDEN_TLS_DIR, else ./var/tls)") //
      ("tls-cert", po::value(&cmd.tls_cert)->value_name("FILE"),
       "client certificate (PEM; default DIR/client.pem)") //
      ("tls-key", po::value(&cmd.tls_key)->value_name("FILE"),
       "its private key (unencrypted PEM; default DIR/client.key)") //
      ("tls-ca", po::value(&cmd.tls_ca)->value_name("FILE"),
       "CA certificates the node's must chain to (default DIR/ca.pem)");
  po::options_description hidden;
  hidden.add_options()("verb", po::value(&cmd.verb))("operands",
                                                     po::value(&operands));
  po::positional_options_description positional;
  positional.add("verb", 1).add("operands", -1);
  po::options_description all;
  all.add(options).add(hidden);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(positional)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    fail(e.what());
    return {std::nullopt, exit_usage};
  }
  if (vm.count("help") > 0 || cmd.verb.empty()) {
    std::cout << options << '\n';
    return {std::nullopt, vm.count("help") > 0 ? exit_ok : exit_usage};
  }
  if (!known_verb(cmd) || !take_operands(cmd, operands))
    return {std::nullopt, exit_usage};
  if (timeout_s == 0 || timeout_s < -1) {
    fail("--timeout must be a positive number of seconds");
    return {std::nullopt, exit_usage};
  }
  if (timeout_s > 0)
    cmd.timeout = std::chrono::seconds{timeout_s};
  if (!check(cmd))
    return {std::nullopt, exit_usage};
  return {cmd, exit_ok};
}

} // namespace warden::apps
