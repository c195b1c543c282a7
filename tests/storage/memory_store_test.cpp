#define CAF_SUITE storage.memory
#include <caf/test/unit_test.hpp>

#include "storage/journal.hpp"
#include "storage/snapshot_store.hpp"
#include "tests/storage/journal_support.hpp"

using namespace warden::storage;
using warden::storage::test::accepted;
using warden::storage::test::record;

namespace {

stored_run make_run(std::uint64_t run, std::uint64_t session,
                    std::string key = {}) {
  stored_run x;
  x.run = run;
  x.session = session;
  x.tenant = "acme";
  x.agent = "helper";
  x.input = "hello";
  x.idempotency_key = std::move(key);
  return x;
}

stored_run finished(stored_run x, std::uint64_t at_ms) {
  x.final = true;
  x.finished_at_ms = at_ms;
  x.input.clear();
  x.output = "done";
  return x;
}

/// `x` with `prompt` and `completion` tokens, under `tenant`.
stored_run used(stored_run x, std::string tenant, std::uint64_t prompt,
                std::uint64_t completion) {
  x.tenant = std::move(tenant);
  x.usage.prompt_tokens = prompt;
  x.usage.completion_tokens = completion;
  return x;
}

/// 2024-05-01 as a UTC day number.
constexpr std::uint64_t day = 19'844;
constexpr std::uint64_t day_ms = 86'400'000;

/// The tokens `store` counts for acme on `utc_day`, by value: CAF_CHECK_EQUAL
/// binds a reference to its argument, and an element of the temporary map
/// would be gone before the comparison.
std::uint64_t acme_tokens(const journal& store, std::uint64_t utc_day) {
  auto tokens = store.daily_tokens(utc_day).value;
  auto i = tokens.find("acme");
  return i == tokens.end() ? 0 : i->second;
}

} // namespace

CAF_TEST(the memory journal returns the entries of one run in append order) {
  memory_journal journal;
  auto failed = journal.append({accepted(make_run(1, 10)),
                                accepted(make_run(2, 10)),
                                {1, 1, entry_kind::model_step, "c"}});
  CAF_CHECK(!failed);
  CAF_CHECK(!journal.append({{1, 2, entry_kind::run_final, "d"}}));
  auto entries = journal.entries_of(1);
  CAF_REQUIRE(entries);
  CAF_REQUIRE_EQUAL(entries.value.size(), 3u);
  CAF_CHECK(entries.value[0].kind == entry_kind::run_accepted);
  CAF_CHECK_EQUAL(entries.value[1].payload, "c");
  CAF_CHECK(entries.value[2].kind == entry_kind::run_final);
  CAF_CHECK_EQUAL(journal.size(), 4u);
  CAF_CHECK(journal.entries_of(3).value.empty());
}

CAF_TEST(a run record that does not decode fails the whole batch) {
  memory_journal journal;
  auto failed = journal.append(
      {accepted(make_run(1, 10)), {2, 0, entry_kind::run_accepted, "garbage"}});
  CAF_REQUIRE(failed);
  CAF_CHECK_EQUAL(failed->operation, "journal append");
  CAF_MESSAGE(failed->to_string());
  CAF_CHECK(failed->message.find("run 2") != std::string::npos);
  CAF_CHECK(failed->message.find("run_accepted") != std::string::npos);
  CAF_CHECK_EQUAL(journal.size(), 0u);
  CAF_CHECK(!journal.find_run(1).value);
  CAF_CHECK_EQUAL(journal.watermarks().value.run, 0u);
}

CAF_TEST(accepted runs keep their record and idempotency key) {
  memory_journal journal;
  CAF_CHECK(!journal.append({accepted(make_run(4, 7, "k1"))}));
  auto found = journal.find_idempotent("acme", "k1");
  CAF_CHECK(found.value == std::optional<std::uint64_t>{4});
  CAF_CHECK(!journal.find_idempotent("other", "k1").value);
  auto run = journal.find_run(4);
  CAF_REQUIRE(run.value);
  CAF_CHECK_EQUAL(run.value->input, "hello");
  CAF_CHECK(!journal.append({record(finished(make_run(4, 7, "k1"), 50))}));
  run = journal.find_run(4);
  CAF_REQUIRE(run.value);
  CAF_CHECK(run.value->final);
  CAF_CHECK_EQUAL(run.value->output, "done");
}

CAF_TEST(a child run is indexed by its spawn call key outside its tenant) {
  memory_journal journal;
  auto child = make_run(5, 2, "4/1/0");
  child.parent = 4;
  child.depth = 2;
  CAF_CHECK(!journal.append({accepted(child)}));
  auto found = journal.find_idempotent(std::string{spawn_call_tenant}, "4/1/0");
  CAF_CHECK(found.value == std::optional<std::uint64_t>{5});
  CAF_CHECK(!journal.find_idempotent("acme", "4/1/0").value);
  CAF_CHECK(!journal.append({record(finished(child, 10))}));
  CAF_CHECK_EQUAL(journal.expire(20, 10).value, 1u);
  CAF_CHECK(
      !journal.find_idempotent(std::string{spawn_call_tenant}, "4/1/0").value);
}

CAF_TEST(unfinished runs and watermarks follow the records) {
  memory_journal journal;
  CAF_CHECK(!journal.append({accepted(make_run(9, 3)), accepted(make_run(2, 8)),
                             accepted(make_run(5, 1))}));
  CAF_CHECK(!journal.append({record(finished(make_run(9, 3), 10))}));
  auto unfinished = journal.unfinished_runs();
  CAF_REQUIRE_EQUAL(unfinished.value.size(), 2u);
  CAF_CHECK_EQUAL(unfinished.value[0].run, 2u);
  CAF_CHECK_EQUAL(unfinished.value[1].run, 5u);
  auto marks = journal.watermarks().value;
  CAF_CHECK_EQUAL(marks.run, 9u);
  CAF_CHECK_EQUAL(marks.session, 8u);
}

CAF_TEST(expire deletes only final runs finished before the cutoff) {
  memory_journal journal;
  CAF_CHECK(!journal.append(
      {accepted(make_run(1, 1, "a")), accepted(make_run(2, 1, "b")),
       accepted(make_run(3, 1, "c")), accepted(make_run(4, 1, "d"))}));
  CAF_CHECK(!journal.append({record(finished(make_run(1, 1, "a"), 100)),
                             record(finished(make_run(2, 1, "b"), 200)),
                             record(finished(make_run(3, 1, "c"), 300))}));
  CAF_CHECK_EQUAL(journal.size(), 7u);
  auto expired = journal.expire(300, 1);
  CAF_CHECK_EQUAL(expired.value, 1u);
  CAF_CHECK(!journal.find_run(1).value);
  CAF_CHECK(journal.find_run(2).value);
  expired = journal.expire(300, 10);
  CAF_CHECK_EQUAL(expired.value, 1u);
  CAF_CHECK(!journal.find_run(2).value);
  CAF_CHECK(!journal.find_idempotent("acme", "b").value);
  CAF_CHECK(journal.entries_of(2).value.empty());
  CAF_CHECK(journal.find_run(3).value);
  CAF_CHECK(journal.find_run(4).value);
  CAF_CHECK(journal.find_idempotent("acme", "d").value);
  CAF_CHECK_EQUAL(journal.size(), 3u);
  CAF_CHECK_EQUAL(journal.watermarks().value.run, 4u);
}

CAF_TEST(final root runs add their tokens to the daily counter of their tenant
             once) {
  memory_journal journal;
  auto a = used(make_run(1, 1), "acme", 100, 20);
  auto b = used(make_run(2, 2), "acme", 5, 5);
  auto c = used(make_run(3, 3), "globex", 7, 0);
  auto child = used(make_run(4, 4), "acme", 1000, 1000);
  child.parent = 1;
  CAF_CHECK(!journal.append(
      {accepted(a), accepted(b), accepted(c), accepted(child)}));
  CAF_CHECK(journal.daily_tokens(day).value.empty());
  auto noon = day * day_ms + day_ms / 2;
  CAF_CHECK(!journal.append(
      {record(finished(a, noon)), record(finished(child, noon))}));
  // A second final record of run 1, in a batch and alone, counts nothing.
  CAF_CHECK(
      !journal.append({record(finished(b, noon)), record(finished(b, noon)),
                       record(finished(c, noon))}));
  CAF_CHECK(!journal.append({record(finished(a, noon + 1))}));
  auto tokens = journal.daily_tokens(day);
  CAF_REQUIRE(tokens);
  CAF_CHECK_EQUAL(tokens.value.size(), 2u);
  CAF_CHECK_EQUAL(tokens.value["acme"], 130u);
  CAF_CHECK_EQUAL(tokens.value["globex"], 7u);
}

CAF_TEST(a child that ended after its root counts its own tokens once) {
  memory_journal journal;
  auto root = used(make_run(1, 1), "acme", 100, 20);
  auto late = used(make_run(2, 2), "acme", 30, 5);
  late.parent = 1;
  late.counts_own_tokens = true;
  CAF_CHECK(!journal.append({accepted(root), accepted(late)}));
  auto noon = day * day_ms + day_ms / 2;
  CAF_CHECK(!journal.append({record(finished(root, noon))}));
  CAF_CHECK_EQUAL(acme_tokens(journal, day), 120u);
  CAF_CHECK(!journal.append({record(finished(late, noon + 1))}));
  CAF_CHECK(!journal.append({record(finished(late, noon + 2))}));
  CAF_CHECK_EQUAL(acme_tokens(journal, day), 155u);
}

CAF_TEST(a run counts for the UTC day it finished in and expire drops
             earlier days) {
  memory_journal journal;
  auto late = used(make_run(1, 1), "acme", 10, 0);
  auto early = used(make_run(2, 2), "acme", 0, 3);
  CAF_CHECK(!journal.append({accepted(late), accepted(early)}));
  CAF_CHECK(!journal.append({record(finished(late, (day + 1) * day_ms - 1)),
                             record(finished(early, (day + 1) * day_ms))}));
  CAF_CHECK_EQUAL(acme_tokens(journal, day), 10u);
  CAF_CHECK_EQUAL(acme_tokens(journal, day + 1), 3u);
  CAF_CHECK(journal.expire((day + 1) * day_ms + 5, 0));
  CAF_CHECK(journal.daily_tokens(day).value.empty());
  CAF_CHECK_EQUAL(acme_tokens(journal, day + 1), 3u);
}

CAF_TEST(the memory snapshot store replaces erases and counts bytes) {
  memory_snapshot_store store;
  CAF_CHECK(!store.put(7, "12345", 0));
  CAF_CHECK(!store.put(8, "xy", 0));
  CAF_CHECK_EQUAL(store.bytes(), 7u);
  CAF_CHECK(!store.put(7, "1", 0));
  CAF_CHECK_EQUAL(store.bytes(), 3u);
  CAF_CHECK(store.get(7) == std::optional<std::string>{"1"});
  CAF_CHECK(!store.erase(7));
  CAF_CHECK(!store.erase(7));
  CAF_CHECK(!store.get(7));
  CAF_CHECK_EQUAL(store.size(), 1u);
  CAF_CHECK_EQUAL(store.bytes(), 2u);
}

CAF_TEST(memory snapshots expire by their latest write like stored ones) {
  memory_snapshot_store store;
  auto any = [](std::uint64_t) { return true; };
  CAF_CHECK(!store.put(1, "a", 100));
  CAF_CHECK(!store.put(2, "b", 200));
  CAF_CHECK(!store.put(3, "c", 300));
  CAF_CHECK(!store.put(1, "a2", 400));
  auto kept = store.expire(350, 1, [](std::uint64_t id) { return id != 2; });
  CAF_CHECK(kept.value.sessions.empty());
  CAF_CHECK(kept.value.more);
  auto first = store.expire(350, 10, any);
  CAF_CHECK(first.value.sessions == std::vector<std::uint64_t>{3});
  CAF_CHECK(store.get(2) == std::optional<std::string>{"b"});
  CAF_CHECK_EQUAL(store.size(), 2u);
  CAF_CHECK_EQUAL(store.bytes(), 3u);
  CAF_CHECK(!store.erase(2));
  auto second = store.expire(450, 10, any);
  CAF_CHECK(second.value.sessions == std::vector<std::uint64_t>{1});
  CAF_CHECK_EQUAL(store.size(), 0u);
}
