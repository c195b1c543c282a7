#define CAF_SUITE actors.power_loss
#include "tests/actors/node/power_loss_fixture.hpp"

namespace power_loss {

namespace {

/// Sends one submit_run and notes the answer.
caf::behavior submitter(caf::event_based_actor* self, caf::actor node,
                        submit_run req, std::shared_ptr<outcomes> out) {
  auto key = req.idempotency_key;
  self->request(node, caf::infinite, std::move(req))
      .then([out, key](const run_ack& ack) { out->acked[key] = ack; },
            [self, out, key](const caf::error& err) {
              out->refused[key] = self->system().render(err);
            });
  return {};
}

/// Waits for `run` to be final and notes what the client was told.
caf::behavior awaiter(caf::event_based_actor* self, caf::actor node, run_id run,
                      std::shared_ptr<outcomes> out) {
  self->request(node, caf::infinite, await_run{"acme", run, 0})
      .then(
          [out](const run_status& status) {
            if (is_final(status.state))
              out->finals[status.run] = status.state;
          },
          [](const caf::error&) {});
  return {};
}

bool is_table_write(const std::string& during) {
  return during.find(".sst") != std::string::npos ||
         during.find("MANIFEST") != std::string::npos;
}

} // namespace

std::string input_of(const std::string& key) {
  std::uint64_t h = 14695981039346656037ull; // FNV-1a of the key
  for (unsigned char c : key)
    h = (h ^ c) * 1099511628211ull;
  std::string filler(h % 3000, '\0');
  for (std::size_t i = 0; i < filler.size(); ++i)
    filler[i] = static_cast<char>('a' + (h >> (i % 48)) % 26);
  return key + ":" + filler;
}

fixture::fixture() {
  // Dead databases are kept, and one whose flush failed holds a thread of
  // the shared pool for a second (RocksDB waits after a background error):
  // with the default single flush thread the next database's writes would
  // stall behind it.
  rocksdb::Env::Default()->SetBackgroundThreads(4, rocksdb::Env::HIGH);
  rocksdb::Env::Default()->SetBackgroundThreads(4, rocksdb::Env::LOW);
}

std::uint64_t fixture::check(const storage::journal& store) {
  auto lost_before = found.lost_runs + found.lost_finals + found.reused_ids;
  for (const auto& [run, key] : told.accepted) {
    // Counted, not checked one by one: thousands of runs per cycle.
    auto found_run = store.find_run(run);
    const auto& x = found_run.value;
    if (found_run.error || !x || x->idempotency_key != key ||
        x->session != told.sessions[run]) {
      CAF_MESSAGE("lost: acknowledged run " << run << " (" << key << ") "
                                            << (x ? "differs" : "is missing"));
      ++found.lost_runs;
      continue;
    }
    if (told.final_runs.count(run) > 0 && !x->final) {
      CAF_MESSAGE("lost: run " << run
                               << " was reported final, its record "
                                  "came back unfinished");
      ++found.lost_finals;
    }
    // The input lives in the journal's accepted entry (a started run's
    // record no longer holds it).
    auto entries = store.entries_of(run);
    storage::stored_run accepted;
    if (entries.error || entries.value.empty() ||
        entries.value.front().kind != storage::entry_kind::run_accepted ||
        storage::decode(entries.value.front().payload, accepted) ||
        accepted.input != input_of(key)) {
      CAF_MESSAGE("lost: the accepted entry of run " << run);
      ++found.lost_runs;
    }
  }
  auto marks = store.watermarks();
  CAF_REQUIRE(!marks.error);
  if (marks.value.run < told.highest_run ||
      marks.value.session < told.highest_session) {
    CAF_MESSAGE("watermarks " << marks.value.run << "/" << marks.value.session
                              << " below ids given out " << told.highest_run
                              << "/" << told.highest_session);
    ++found.reused_ids;
  }
  return found.lost_runs + found.lost_finals + found.reused_ids - lost_before;
}

storage::rocks_open_result fixture::reopen(storage::rocks_options ro) {
  auto opened = storage::open_rocks(ro);
  if (!opened.error) {
    found.lost_silently += check(*opened.storage.journal);
    return opened;
  }
  found.refused_opens.push_back(opened.error->to_string());
  CAF_MESSAGE("refused: " << opened.error->to_string());
  ro.accept_data_loss = true;
  opened = storage::open_rocks(ro);
  if (!opened.error) {
    check(*opened.storage.journal);
    return opened;
  }
  // Not even RocksDB opens it: an operator restores a backup; here, an
  // empty database, and nothing acknowledged before counts any more.
  CAF_MESSAGE("cannot open at all: " << opened.error->to_string());
  ++found.unopenable;
  std::filesystem::remove_all(db());
  told = ledger{};
  opened = storage::open_rocks(ro);
  CAF_REQUIRE(!opened.error);
  return opened;
}

std::pair<caf::actor, caf::actor>
fixture::start(const storage::rocks_storage& stores) {
  auto journal = sys.spawn(journal_actor, stores.journal, journal_options{});
  auto parts = node_test::fake_parts(admission, journal, pool);
  parts.store = stores.journal;
  parts.snapshots = stores.snapshots;
  auto unfinished = stores.journal->unfinished_runs();
  CAF_REQUIRE(!unfinished.error);
  parts.recovered = std::move(unfinished.value);
  parts.watermarks = stores.journal->watermarks().value;
  auto node = sys.spawn(node_actor, std::move(parts), node_options{});
  return {node, journal};
}

void fixture::work(caf::actor node, power_loss_fs& disk,
                   const cycle_options& opts, std::mt19937_64& rng, int cycle,
                   std::shared_ptr<outcomes> out) {
  auto& started = deref<caf::stateful_actor<node_test::fake_pool_state>>(pool)
                      .state.started;
  std::size_t looked_at = 0;
  int waves_after_cut = 0;
  for (int wave = 0; wave < opts.waves && waves_after_cut < 2; ++wave) {
    if (disk.cut())
      ++waves_after_cut;
    auto runs = 1 + rng() % 12;
    for (std::uint64_t i = 0; i < runs; ++i) {
      // Unique across cycles and cases: a key used twice would be answered
      // with the first run (idempotency), not a new one.
      auto key = "s" + std::to_string(opts.seed) + "-c" +
                 std::to_string(cycle) + "-w" + std::to_string(wave) + "-" +
                 std::to_string(i);
      sys.spawn(submitter, node,
                submit_run{"acme", "researcher", input_of(key), "", key}, out);
    }
    sched.run();
    // Half the turns started since the last wave end now (their final
    // records follow their accepted ones in the journal).
    for (; looked_at < started.size(); ++looked_at) {
      if (rng() % 2 == 0)
        continue;
      const auto& turn = started[looked_at].turn;
      sys.spawn(awaiter, node, turn.run, out);
      turn_finished done;
      done.run = turn.run;
      done.session = turn.session;
      done.output = "answer of " + std::to_string(turn.run);
      self->send(node, done);
    }
    sched.run();
  }
}

void fixture::record(const outcomes& out) {
  auto highest_run = told.highest_run;
  auto highest_session = told.highest_session;
  for (const auto& [key, ack] : out.acked) {
    if (ack.duplicate) // a key used twice: a fault of the test
      ++found.duplicates;
    if (ack.run <= highest_run || ack.session <= highest_session ||
        told.accepted.count(ack.run) > 0) {
      CAF_MESSAGE("id reused: run " << ack.run << " session " << ack.session
                                    << " (" << key << ") after " << highest_run
                                    << "/" << highest_session);
      ++found.reused_ids;
    }
    told.accepted[ack.run] = key;
    told.sessions[ack.run] = ack.session;
    told.highest_run = std::max(told.highest_run, ack.run);
    told.highest_session = std::max(told.highest_session, ack.session);
    ++found.acknowledged;
  }
  for (const auto& [run, state] : out.finals) {
    told.final_runs.insert(run);
    ++found.finals;
  }
}

void fixture::cycle(const cycle_options& opts, int cycle) {
  std::mt19937_64 rng{opts.seed};
  auto disk = std::make_shared<power_loss_fs>(opts.seed, opts.mode);
  storage::rocks_options ro{db(), opts.sync, "node-a"};
  ro.file_system = disk;
  // Small memtables: the workload flushes and compacts.
  ro.memtable_bytes = 64 << 10;
  // The marks record every synced batch, or only opens and reservations.
  ro.marks_interval_ms = rng() % 2 == 0 ? 0 : 3'600'000;
  auto opened = reopen(ro);
  auto [node, journal] = start(opened.storage);
  sched.run();
  disk->cut_at_operation(1 + rng() % opts.cut_within);
  auto out = std::make_shared<outcomes>();
  work(node, *disk, opts, rng, cycle, out);
  // At the end of the workload at the latest.
  disk->power_cut();
  auto cut = *disk->cut();
  if (is_table_write(cut.during))
    ++found.cuts_in_tables;
  if (cut.during.find(".log") != std::string::npos &&
      cut.during.rfind("append", 0) == 0)
    ++found.cuts_in_log_appends;
  CAF_MESSAGE("cycle " << cycle << " seed " << opts.seed << ": cut at write "
                       << cut.operation << " (" << cut.during << "), "
                       << out->acked.size() << " acknowledged, "
                       << out->refused.size() << " refused, "
                       << out->finals.size() << " final; dropped "
                       << cut.bytes_dropped << " bytes, kept " << cut.bytes_kept
                       << " torn, " << cut.files_vanished << " files vanished, "
                       << cut.files_restored << " came back");
  record(*out);
  // The process dies. It runs no destructor: the database is kept, never
  // closed (a deliberate leak; closing after failed writes can also trip
  // assertions in Debian's librocksdb), and the disk shows the cut.
  anon_send_exit(node, caf::exit_reason::kill);
  anon_send_exit(journal, caf::exit_reason::kill);
  sched.run();
  deref<caf::stateful_actor<node_test::fake_pool_state>>(pool)
      .state.started.clear();
  static auto* dead = new std::vector<storage::rocks_storage>;
  dead->push_back(std::move(opened.storage));
  disk->settle();
}

} // namespace power_loss
