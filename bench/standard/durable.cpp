#include "bench/standard/durable.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/session/registry.hpp"
#include "storage/rocks_store.hpp"

#include "bench/standard/workload.hpp"

namespace warden::bench {

namespace {

/// The journal entries of one unfinished run, as a node writes them.
void append_run(std::vector<storage::journal_entry>& batch, std::uint64_t run,
                const std::string& agent) {
  storage::stored_run s;
  s.run = run;
  s.session = run;
  s.tenant = tenant_name(static_cast<std::uint32_t>(run % 100));
  s.agent = agent;
  s.input = "resume me";
  s.idempotency_key = "key-" + std::to_string(run);
  batch.push_back(
      {run, 0, storage::entry_kind::run_accepted, storage::encode(s)});
  batch.push_back({run, 1, storage::entry_kind::model_step,
                   R"({"call":"agent","completion_tokens":5,"cost_micros":0,)"
                   R"("prompt_tokens":10,"retries":0,"text":"step one",)"
                   R"("tool_calls":[]})"});
}

/// `n` pseudo-random lower-case words of 3 to 9 letters.
std::string words(std::mt19937_64& rng, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    auto length = 3 + rng() % 7;
    if (!out.empty())
      out += ' ';
    for (std::uint64_t j = 0; j < length; ++j)
      out += static_cast<char>('a' + rng() % 26);
  }
  return out;
}

} // namespace

bool seed_crashed_node(const std::string& db_path, std::uint64_t runs,
                       const std::string& agent, std::string& error) {
  std::error_code ec;
  std::filesystem::remove_all(db_path, ec);
  auto child = fork();
  if (child < 0) {
    error = "fork failed";
    return false;
  }
  if (child == 0) {
    storage::rocks_options opts;
    opts.path = db_path;
    auto opened = storage::open_rocks(opts);
    if (opened.error)
      _exit(3);
    std::vector<storage::journal_entry> batch;
    for (std::uint64_t run = 1; run <= runs; ++run) {
      append_run(batch, run, agent);
      if (batch.size() >= 2'000 || run == runs) {
        if (opened.storage.journal->append(batch))
          _exit(4);
        batch.clear();
      }
    }
    raise(SIGKILL); // a crash: no clean close, no flush
    _exit(5);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
    error = "the seeding process did not die by SIGKILL (status " +
            std::to_string(status) + ")";
    return false;
  }
  return true;
}

bool recreate_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec)
    std::cerr << "warden-bench: cannot create " << dir << ": " << ec.message()
              << '\n';
  return !ec;
}

std::uint64_t directory_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, ec))
    if (entry.is_regular_file(ec))
      total += entry.file_size(ec);
  return total;
}

double passivated_session_disk_bytes(caf::actor_system& sys,
                                     const std::string& dir,
                                     std::uint64_t sessions,
                                     std::string& error) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  storage::rocks_options opts;
  opts.path = dir;
  auto reopen = [&]() -> std::uint64_t {
    // Recovery replays the WAL into a table file; closing leaves it there.
    auto again = storage::open_rocks(opts);
    if (again.error) {
      error = again.error->to_string();
      return 0;
    }
    return 1;
  };
  std::mt19937_64 rng{42};
  std::uint64_t empty_bytes = 0;
  {
    auto opened = storage::open_rocks(opts);
    if (opened.error) {
      error = opened.error->to_string();
      return -1;
    }
    empty_bytes = directory_bytes(dir);
    for (std::uint64_t id = 1; id <= sessions; ++id) {
      session_snapshot snapshot;
      snapshot.session = id;
      snapshot.agent = "researcher";
      // Text that differs between sessions, so that compression sees what
      // it would see in production rather than one repeated record.
      snapshot.conversation = {
          {chat_role::user, "Question " + words(rng, 6), {}},
          {chat_role::assistant, "Answer " + words(rng, 10), {}}};
      snapshot.counters.turns = 1;
      snapshot.counters.last_run = id;
      auto bytes = encode_snapshot(sys, snapshot);
      if (!bytes) {
        error = "cannot encode a snapshot";
        return -1;
      }
      if (auto err = opened.storage.snapshots->put(id, std::move(*bytes), 0)) {
        error = err->to_string();
        return -1;
      }
    }
  }
  if (reopen() == 0 || reopen() == 0)
    return -1;
  auto grown =
      directory_bytes(dir) - std::min(directory_bytes(dir), empty_bytes);
  return static_cast<double>(grown) / static_cast<double>(sessions);
}

} // namespace warden::bench
