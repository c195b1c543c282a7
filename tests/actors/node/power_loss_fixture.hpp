#pragma once

// A node on RocksDB over a simulated disk (tests/support/power_loss_fs.hpp),
// driven cycle after cycle: open the database, check that everything
// acknowledged so far came back, start a node and its journal actor on it,
// submit runs from client actors and finish some, cut the power at a seeded
// write operation, let the dead node go. A ledger keeps what clients were
// told across cycles. Define CAF_SUITE before including it.

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/journal/journal.hpp"
#include "actors/node/node.hpp"
#include "storage/rocks_store.hpp"
#include "tests/actors/node/node_fixture.hpp"
#include "tests/storage/rocks_support.hpp"
#include "tests/support/power_loss_fs.hpp"

namespace power_loss {

using namespace warden;
using warden::test::power_loss_fs;
using warden::test::tear_mode;

/// What clients were told, across cycles.
struct ledger {
  /// Acknowledged runs (a run_ack reached the client): run -> its key.
  std::map<run_id, std::string> accepted;
  /// Their sessions.
  std::map<run_id, session_id> sessions;
  /// Runs reported final to a client waiting for them.
  std::set<run_id> final_runs;
  /// The highest ids a client was given.
  run_id highest_run = 0;
  session_id highest_session = 0;
};

/// What went wrong, across cycles.
struct tally {
  /// Acknowledged runs missing after a restart, or with another record.
  std::uint64_t lost_runs = 0;
  /// Runs reported final whose record came back unfinished.
  std::uint64_t lost_finals = 0;
  /// Losses of either kind found after an open that did not refuse: lost
  /// without a word.
  std::uint64_t lost_silently = 0;
  /// Acknowledged ids given out again, or ids below one given before.
  std::uint64_t reused_ids = 0;
  /// Opens refused (each message).
  std::vector<std::string> refused_opens;
  /// Databases RocksDB could not open even accepting data loss (then the
  /// cycle starts over from an empty database, as from an empty backup).
  std::uint64_t unopenable = 0;
  /// Acknowledgements that named an earlier run (a key used twice).
  std::uint64_t duplicates = 0;
  /// Runs acknowledged, and reported final, in all.
  std::uint64_t acknowledged = 0;
  std::uint64_t finals = 0;
  /// Cuts that fell while RocksDB wrote a table file or its MANIFEST (a
  /// flush or a compaction), and in an append to the write-ahead log.
  std::uint64_t cuts_in_tables = 0;
  std::uint64_t cuts_in_log_appends = 0;
};

/// How a cycle runs.
struct cycle_options {
  /// Sync the journal's writes (false: the negative control, acknowledged
  /// after an unsynced write).
  bool sync = true;
  tear_mode mode = tear_mode::drop;
  std::uint64_t seed = 0;
  /// The cut falls at a seeded write operation in [1, cut_within].
  std::uint64_t cut_within = 900;
  /// Waves of submissions at most; each wave sends 1-12 runs at once, so
  /// that the journal groups them into batches.
  int waves = 40;
};

/// The input of the run submitted with idempotency key `key`: the key and a
/// filler of a length drawn from it (0-2,999 bytes), so that a record read
/// back can be checked against its key alone.
std::string input_of(const std::string& key);

/// The outcome of each request a cycle's clients sent.
struct outcomes {
  std::map<std::string, run_ack> acked;
  std::map<std::string, std::string> refused;
  std::map<run_id, run_state> finals;
};

struct fixture : test_coordinator_fixture<node_test::config> {
  warden::storage::test::scratch_dir dir;
  caf::actor admission = sys.spawn(node_test::fake_admission);
  caf::actor pool = sys.spawn(node_test::fake_pool);
  ledger told;
  tally found;

  fixture();

  /// The database's path.
  std::string db() const { return dir / "db"; }

  /// One cycle: open and check, work, cut, stop. `cycle` names keys.
  void cycle(const cycle_options& opts, int cycle);

  /// Checks every acknowledged run of `told` against `store`; returns the
  /// losses found.
  std::uint64_t check(const storage::journal& store);

  /// Opens the database after a cut as an operator would (accepting data
  /// loss after a refusal) and checks it; counts what it finds.
  storage::rocks_open_result reopen(storage::rocks_options ro);

 private:
  /// Starts a node over `stores` with a journal actor; returns both.
  std::pair<caf::actor, caf::actor> start(const storage::rocks_storage& stores);

  /// Sends waves of runs and finishes some started turns until the power is
  /// cut (and two waves more) or the waves run out.
  void work(caf::actor node, power_loss_fs& disk, const cycle_options& opts,
            std::mt19937_64& rng, int cycle, std::shared_ptr<outcomes> out);

  /// Enters what `out` says clients were told into the ledger, checking new
  /// ids against the ones given before.
  void record(const outcomes& out);
};

} // namespace power_loss
