#define CAF_SUITE storage.rocks_journal
#include <caf/test/unit_test.hpp>

#include "storage/keys.hpp"
#include "storage/rocks_store.hpp"
#include "tests/storage/journal_support.hpp"
#include "tests/storage/rocks_support.hpp"

using namespace warden::storage;
using warden::storage::test::accepted;
using warden::storage::test::open_journal;
using warden::storage::test::record;
using warden::storage::test::scratch_dir;
using warden::storage::test::with_raw_db;

namespace {

stored_run make_run(std::uint64_t run, std::uint64_t session,
                    std::string key = {}) {
  stored_run x;
  x.run = run;
  x.session = session;
  x.tenant = "acme";
  x.agent = "helper";
  x.input = "question " + std::to_string(run);
  x.idempotency_key = std::move(key);
  return x;
}

stored_run finished(stored_run x, std::uint64_t at_ms) {
  x.final = true;
  x.finished_at_ms = at_ms;
  x.input.clear();
  x.output = "answer " + std::to_string(x.run);
  return x;
}

} // namespace

CAF_TEST(entries come back per run in append order across reopen) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto j = open_journal(path);
    CAF_CHECK(!j->append({accepted(make_run(1, 10)),
                          accepted(make_run(2, 11)),
                          {1, 1, entry_kind::model_step, "step one"}}));
    CAF_CHECK(
        !j->append({{2, 1, entry_kind::tool_started, "t"},
                    {1, 2, entry_kind::tool_finished, std::string("\0x", 2)},
                    {1, 3, entry_kind::run_final, "done"}}));
    CAF_CHECK_EQUAL(j->size(), 6u);
  }
  auto j = open_journal(path);
  CAF_CHECK_EQUAL(j->size(), 6u);
  auto one = j->entries_of(1);
  CAF_REQUIRE(one);
  CAF_REQUIRE_EQUAL(one.value.size(), 4u);
  CAF_CHECK(one.value[0].kind == entry_kind::run_accepted);
  CAF_CHECK_EQUAL(one.value[1].payload, "step one");
  CAF_CHECK_EQUAL(one.value[1].step, 1u);
  CAF_CHECK(one.value[2].kind == entry_kind::tool_finished);
  CAF_CHECK_EQUAL(one.value[2].payload, std::string("\0x", 2));
  CAF_CHECK_EQUAL(one.value[3].payload, "done");
  CAF_CHECK_EQUAL(one.value[3].run, 1u);
  auto two = j->entries_of(2);
  CAF_REQUIRE_EQUAL(two.value.size(), 2u);
  CAF_CHECK(two.value[1].kind == entry_kind::tool_started);
  CAF_CHECK(j->entries_of(3).value.empty());
  // Later appends keep sorting after the earlier ones.
  CAF_CHECK(!j->append({{1, 4, entry_kind::run_final, "late"}}));
  one = j->entries_of(1);
  CAF_REQUIRE_EQUAL(one.value.size(), 5u);
  CAF_CHECK_EQUAL(one.value[4].payload, "late");
}

CAF_TEST(a batch with a bad run record writes nothing) {
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  auto bad = record(make_run(5, 1));
  bad.payload[0] = 9;
  auto failed = j->append({accepted(make_run(4, 1, "k")), bad});
  CAF_REQUIRE(failed);
  CAF_MESSAGE(failed->to_string());
  CAF_CHECK_EQUAL(failed->operation, "journal append");
  CAF_CHECK(failed->message.find("run_record entry of run 5") !=
            std::string::npos);
  CAF_CHECK(failed->message.find("record format 9 is unknown") !=
            std::string::npos);
  CAF_CHECK_EQUAL(j->size(), 0u);
  CAF_CHECK(j->entries_of(4).value.empty());
  CAF_CHECK(!j->find_run(4).value);
  CAF_CHECK(!j->find_idempotent("acme", "k").value);
  CAF_CHECK_EQUAL(j->watermarks().value.run, 0u);
}

CAF_TEST(idempotency keys and run records survive close and reopen) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto j = open_journal(path);
    CAF_CHECK(!j->append({accepted(make_run(7, 3, "order-1"))}));
    CAF_CHECK(!j->append({record(finished(make_run(7, 3, "order-1"), 500))}));
  }
  auto j = open_journal(path);
  auto found = j->find_idempotent("acme", "order-1");
  CAF_REQUIRE(found);
  CAF_CHECK(found.value == std::optional<std::uint64_t>{7});
  CAF_CHECK(!j->find_idempotent("globex", "order-1").value);
  auto run = j->find_run(7);
  CAF_REQUIRE(run && run.value);
  CAF_CHECK(run.value->final);
  CAF_CHECK_EQUAL(run.value->output, "answer 7");
  CAF_CHECK_EQUAL(run.value->finished_at_ms, 500u);
}

CAF_TEST(a child run is found by its spawn call key and never by its tenant) {
  scratch_dir dir;
  auto path = dir / "db";
  auto child = make_run(8, 4, "7/1/0");
  child.parent = 7;
  child.depth = 2;
  {
    auto j = open_journal(path);
    CAF_CHECK(!j->append({accepted(child)}));
  }
  auto j = open_journal(path);
  auto found = j->find_idempotent(std::string{spawn_call_tenant}, "7/1/0");
  CAF_REQUIRE(found);
  CAF_CHECK(found.value == std::optional<std::uint64_t>{8});
  // The tenant's own key namespace does not see the call key.
  CAF_CHECK(!j->find_idempotent("acme", "7/1/0").value);
  // Retention drops the call key with the run.
  CAF_CHECK(!j->append({record(finished(child, 100))}));
  CAF_CHECK_EQUAL(j->expire(200, 10).value, 1u);
  CAF_CHECK(!j->find_idempotent(std::string{spawn_call_tenant}, "7/1/0").value);
}

CAF_TEST(unfinished runs and watermarks survive reopen and retention) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto j = open_journal(path);
    CAF_CHECK(!j->append({accepted(make_run(3, 30)), accepted(make_run(12, 4)),
                          accepted(make_run(8, 5))}));
    CAF_CHECK(!j->append({record(finished(make_run(12, 4), 100))}));
    CAF_CHECK_EQUAL(j->expire(1000, 10).value, 1u);
  }
  auto j = open_journal(path);
  auto marks = j->watermarks();
  CAF_REQUIRE(marks);
  CAF_CHECK_EQUAL(marks.value.run, 12u);
  CAF_CHECK_EQUAL(marks.value.session, 30u);
  auto unfinished = j->unfinished_runs();
  CAF_REQUIRE(unfinished);
  CAF_REQUIRE_EQUAL(unfinished.value.size(), 2u);
  CAF_CHECK_EQUAL(unfinished.value[0].run, 3u);
  CAF_CHECK_EQUAL(unfinished.value[0].input, "question 3");
  CAF_CHECK_EQUAL(unfinished.value[1].run, 8u);
}

CAF_TEST(expire deletes exactly the old final runs and nothing else) {
  scratch_dir dir;
  auto path = dir / "db";
  auto j = open_journal(path);
  // Runs 1..6: 1-3 final long ago, 4 final recently, 5 unfinished, 6 final
  // at the cutoff itself (kept: only strictly older runs go).
  std::vector<journal_entry> batch;
  for (std::uint64_t r = 1; r <= 6; ++r) {
    batch.push_back(accepted(make_run(r, r, "key-" + std::to_string(r))));
    batch.push_back({r, 1, entry_kind::model_step, "m"});
  }
  CAF_CHECK(!j->append(batch));
  CAF_CHECK(!j->append({record(finished(make_run(1, 1, "key-1"), 100)),
                        record(finished(make_run(2, 2, "key-2"), 300)),
                        record(finished(make_run(3, 3, "key-3"), 200)),
                        record(finished(make_run(4, 4, "key-4"), 5000)),
                        record(finished(make_run(6, 6, "key-6"), 1000))}));
  CAF_CHECK_EQUAL(j->size(), 17u);
  // The oldest two first: runs 1 (t=100) and 3 (t=200).
  auto expired = j->expire(1000, 2);
  CAF_REQUIRE(expired);
  CAF_CHECK_EQUAL(expired.value, 2u);
  CAF_CHECK(!j->find_run(1).value);
  CAF_CHECK(!j->find_run(3).value);
  CAF_CHECK(j->find_run(2).value);
  expired = j->expire(1000, 100);
  CAF_CHECK_EQUAL(expired.value, 1u);
  CAF_CHECK_EQUAL(j->expire(1000, 100).value, 0u);
  for (std::uint64_t r : {1, 2, 3}) {
    CAF_CHECK(!j->find_run(r).value);
    CAF_CHECK(j->entries_of(r).value.empty());
    CAF_CHECK(!j->find_idempotent("acme", "key-" + std::to_string(r)).value);
  }
  for (std::uint64_t r : {4, 5, 6}) {
    CAF_CHECK(j->find_run(r).value);
    CAF_CHECK_EQUAL(j->entries_of(r).value.size(), r == 5 ? 2u : 3u);
    CAF_CHECK(j->find_idempotent("acme", "key-" + std::to_string(r)).value);
  }
  CAF_CHECK_EQUAL(j->size(), 8u);
  j.reset();
  j = open_journal(path);
  CAF_CHECK_EQUAL(j->size(), 8u);
  CAF_CHECK_EQUAL(j->unfinished_runs().value.size(), 1u);
}

CAF_TEST(a replaced final record leaves no stale retention entry behind) {
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  CAF_CHECK(!j->append({accepted(make_run(1, 1))}));
  CAF_CHECK(!j->append({record(finished(make_run(1, 1), 100))}));
  // A corrected outcome, finished later: the first index key is stale.
  CAF_CHECK(!j->append({record(finished(make_run(1, 1), 900))}));
  CAF_CHECK_EQUAL(j->expire(500, 10).value, 0u);
  CAF_CHECK(j->find_run(1).value);
  CAF_CHECK_EQUAL(j->expire(1000, 10).value, 1u);
  CAF_CHECK(!j->find_run(1).value);
}

CAF_TEST(a run that finished before the last sweep cutoff still expires) {
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  CAF_CHECK(!j->append({accepted(make_run(1, 1)), accepted(make_run(2, 2))}));
  CAF_CHECK(!j->append({record(finished(make_run(1, 1), 100))}));
  CAF_CHECK_EQUAL(j->expire(1000, 10).value, 1u);
  // Final only now, but finished long ago (as an imported run is): below
  // where the last sweep ended.
  CAF_CHECK(!j->append({record(finished(make_run(2, 2), 50))}));
  CAF_CHECK_EQUAL(j->expire(1000, 10).value, 1u);
  CAF_CHECK(!j->find_run(2).value);
}

CAF_TEST(a corrupt stored record is reported naming the run) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto j = open_journal(path);
    CAF_CHECK(
        !j->append({accepted(make_run(42, 1)), accepted(make_run(43, 1))}));
  }
  auto truncated = encode(make_run(42, 1));
  // format, run, session, parent, depth, tenant "acme" (5), then the agent.
  truncated.resize(1 + 1 + 1 + 1 + 1 + 5 + 2);
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK(
        db.Put(rocksdb::WriteOptions{}, cfs["runs"], keys::run(42), truncated)
            .ok());
    CAF_CHECK(db.Put(rocksdb::WriteOptions{}, cfs["journal"],
                     keys::journal(43, 1), std::string{"\x01\x63"})
                  .ok());
  }));
  auto j = open_journal(path);
  auto run = j->find_run(42);
  CAF_REQUIRE(run.error);
  CAF_CHECK_EQUAL(run.error->to_string(),
                  "read run 42: truncated record (field `agent`)");
  auto unfinished = j->unfinished_runs();
  CAF_REQUIRE(unfinished.error);
  CAF_CHECK_EQUAL(unfinished.error->operation, "read run 42");
  auto entries = j->entries_of(43);
  CAF_REQUIRE(entries.error);
  CAF_CHECK_EQUAL(entries.error->to_string(),
                  "read journal of run 43: entry 1: unknown entry kind 99");
}

CAF_TEST(the journal stays usable while only it is held) {
  scratch_dir dir;
  auto opened = open_rocks({dir / "db", true, "node-a"});
  CAF_REQUIRE(!opened.error);
  auto j = opened.storage.journal;
  opened.storage = {};
  CAF_CHECK(!j->append({accepted(make_run(1, 1))}));
  CAF_CHECK(j->find_run(1).value);
}

CAF_TEST(a session checkpoint becomes the session snapshot and no entry) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto opened = open_rocks({path, true, "node-a"});
    CAF_REQUIRE(!opened.error);
    auto& j = *opened.storage.journal;
    CAF_CHECK(!j.append({accepted(make_run(1, 10)),
                         {1, 2, entry_kind::session_checkpoint,
                          keys::session(10) + "state after turn 1"}}));
    CAF_CHECK(!j.append({{1, 3, entry_kind::session_checkpoint,
                          keys::session(10) + "state after turn 2"}}));
    CAF_CHECK_EQUAL(j.size(), 1u);
    CAF_CHECK(opened.storage.snapshots->get(10) ==
              std::optional<std::string>{"state after turn 2"});
    // Too short to hold a session id: the whole batch is refused.
    auto err = j.append({accepted(make_run(2, 11)),
                         {2, 1, entry_kind::session_checkpoint, "short"}});
    CAF_REQUIRE(err.has_value());
    CAF_CHECK(err->message.find("session id") != std::string::npos);
    CAF_CHECK(!j.find_run(2).value.has_value());
  }
  auto opened = open_rocks({path, true, "node-a"});
  CAF_REQUIRE(!opened.error);
  CAF_CHECK_EQUAL(opened.storage.snapshots->size(), 1u);
  CAF_CHECK(opened.storage.snapshots->get(10) ==
            std::optional<std::string>{"state after turn 2"});
  auto entries = opened.storage.journal->entries_of(1);
  CAF_REQUIRE(entries);
  CAF_CHECK_EQUAL(entries.value.size(), 1u);
}
