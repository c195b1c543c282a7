#define CAF_SUITE storage.rocks_budgets
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

/// 2024-05-01 as a UTC day number, and the milliseconds of a day.
constexpr std::uint64_t day = 19'844;
constexpr std::uint64_t day_ms = 86'400'000;
constexpr std::uint64_t noon = day * day_ms + day_ms / 2;

stored_run make_run(std::uint64_t run, std::string tenant, std::uint64_t prompt,
                    std::uint64_t completion) {
  stored_run x;
  x.run = run;
  x.session = run;
  x.tenant = std::move(tenant);
  x.agent = "helper";
  x.input = "question";
  x.usage.prompt_tokens = prompt;
  x.usage.completion_tokens = completion;
  return x;
}

stored_run finished(stored_run x, std::uint64_t at_ms) {
  x.final = true;
  x.finished_at_ms = at_ms;
  x.input.clear();
  return x;
}

/// The tokens of `tenant` on `d`, 0 when absent.
std::uint64_t tokens_of(const journal& j, std::uint64_t d,
                        const std::string& tenant) {
  auto all = j.daily_tokens(d);
  if (all.error)
    CAF_FAIL("daily_tokens: " << all.error->to_string());
  auto i = all.value.find(tenant);
  return i != all.value.end() ? i->second : 0;
}

} // namespace

CAF_TEST(daily counters come back exactly after close and reopen) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto j = open_journal(path);
    CAF_CHECK(!j->append({accepted(make_run(1, "acme", 100, 50)),
                          accepted(make_run(2, "acme", 7, 3)),
                          accepted(make_run(3, "globex", 1, 1))}));
    CAF_CHECK(
        !j->append({record(finished(make_run(1, "acme", 100, 50), noon)),
                    record(finished(make_run(3, "globex", 1, 1), noon))}));
    CAF_CHECK(!j->append({record(finished(make_run(2, "acme", 7, 3), noon))}));
    CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 160u);
  }
  auto j = open_journal(path);
  auto all = j->daily_tokens(day);
  CAF_REQUIRE(all);
  CAF_CHECK_EQUAL(all.value.size(), 2u);
  CAF_CHECK_EQUAL(all.value["acme"], 160u);
  CAF_CHECK_EQUAL(all.value["globex"], 2u);
  CAF_CHECK(j->daily_tokens(day + 1).value.empty());
  CAF_CHECK(j->daily_tokens(day - 1).value.empty());
  // After the reopen the counter goes on from its stored value.
  CAF_CHECK(!j->append({accepted(make_run(4, "acme", 40, 0))}));
  CAF_CHECK(!j->append({record(finished(make_run(4, "acme", 40, 0), noon))}));
  CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 200u);
}

CAF_TEST(a run whose final record is written twice is counted once) {
  scratch_dir dir;
  auto path = dir / "db";
  auto run = make_run(1, "acme", 10, 10);
  {
    auto j = open_journal(path);
    CAF_CHECK(!j->append({accepted(run)}));
    // Twice in one batch, then again in a later one.
    CAF_CHECK(!j->append(
        {record(finished(run, noon)), record(finished(run, noon + 5))}));
    CAF_CHECK(!j->append({record(finished(run, noon + 9))}));
    CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 20u);
  }
  // And after a reopen, when nothing of it is cached.
  auto j = open_journal(path);
  CAF_CHECK(!j->append({record(finished(run, noon + day_ms))}));
  CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 20u);
  CAF_CHECK_EQUAL(tokens_of(*j, day + 1, "acme"), 0u);
}

CAF_TEST(child runs count nothing since their root covers them) {
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  auto child = make_run(2, "acme", 500, 500);
  child.parent = 1;
  child.depth = 2;
  CAF_CHECK(!j->append({accepted(make_run(1, "acme", 1, 1)), accepted(child)}));
  CAF_CHECK(!j->append({record(finished(child, noon))}));
  CAF_CHECK(j->daily_tokens(day).value.empty());
  CAF_CHECK(!j->append({record(finished(make_run(1, "acme", 1500, 2), noon))}));
  CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 1502u);
}

CAF_TEST(a run counts for the UTC day its final record names) {
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  auto before = make_run(1, "acme", 3, 0);
  auto after = make_run(2, "acme", 0, 4);
  auto next_day = make_run(3, "acme", 5, 0);
  CAF_CHECK(
      !j->append({accepted(before), accepted(after), accepted(next_day)}));
  auto midnight = (day + 1) * day_ms;
  CAF_CHECK(!j->append({record(finished(before, midnight - 1)),
                        record(finished(after, midnight))}));
  // A late record of the earlier day after the cache moved on.
  auto late = make_run(4, "acme", 100, 0);
  CAF_CHECK(!j->append({accepted(late)}));
  CAF_CHECK(!j->append({record(finished(late, midnight - 10))}));
  CAF_CHECK(!j->append({record(finished(next_day, midnight + 1))}));
  CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 103u);
  CAF_CHECK_EQUAL(tokens_of(*j, day + 1, "acme"), 9u);
}

CAF_TEST(counters use the documented key and value layout) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto j = open_journal(path);
    auto run = make_run(1, "acme", 200, 100);
    CAF_CHECK(!j->append({accepted(run)}));
    CAF_CHECK(!j->append({record(finished(run, noon))}));
  }
  std::string value;
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK(db.Get(rocksdb::ReadOptions{}, cfs["budgets"],
                     keys::budget(day, "acme"), &value)
                  .ok());
  }));
  // The format byte, then 300 as a varint.
  CAF_CHECK_EQUAL(value, std::string("\x01\xac\x02", 3));
  auto key = keys::budget(day, "acme");
  CAF_CHECK_EQUAL(key.size(), 12u);
  CAF_CHECK(keys::read_u64(key, 0) == std::optional<std::uint64_t>{day});
  CAF_CHECK_EQUAL(key.substr(8), "acme");
}

CAF_TEST(expire drops the counters of the days before the cutoff day) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto j = open_journal(path);
    for (std::uint64_t d = 0; d < 3; ++d) {
      auto run = make_run(d + 1, "acme", 10 * (d + 1), 0);
      CAF_CHECK(!j->append({accepted(run)}));
      CAF_CHECK(!j->append({record(finished(run, noon + d * day_ms))}));
    }
    // Cutoff on day + 2: days day and day + 1 go, day + 2 stays.
    CAF_CHECK(j->expire((day + 2) * day_ms + 1, 0));
    CAF_CHECK(j->daily_tokens(day).value.empty());
    CAF_CHECK(j->daily_tokens(day + 1).value.empty());
    CAF_CHECK_EQUAL(tokens_of(*j, day + 2, "acme"), 30u);
  }
  auto j = open_journal(path);
  CAF_CHECK(j->daily_tokens(day + 1).value.empty());
  CAF_CHECK_EQUAL(tokens_of(*j, day + 2, "acme"), 30u);
}

CAF_TEST(a child that counts its own tokens adds them once and others none) {
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  auto root = make_run(1, "acme", 100, 20);
  auto counted = make_run(2, "acme", 1000, 0); // in its root's usage
  counted.parent = 1;
  counted.depth = 2;
  counted.idempotency_key = "1/1/0";
  auto late = make_run(3, "acme", 30, 5); // ended after its root
  late.parent = 1;
  late.depth = 2;
  late.idempotency_key = "1/1/1";
  late.counts_own_tokens = true;
  CAF_CHECK(!j->append({accepted(root), accepted(counted), accepted(late)}));
  CAF_CHECK(!j->append(
      {record(finished(counted, noon)), record(finished(root, noon))}));
  CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 120u);
  CAF_CHECK(!j->append(
      {record(finished(late, noon)), record(finished(late, noon + 1))}));
  CAF_CHECK(!j->append({record(finished(late, noon + 2))}));
  CAF_CHECK_EQUAL(tokens_of(*j, day, "acme"), 155u);
}
