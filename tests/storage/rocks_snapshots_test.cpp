#define CAF_SUITE storage.rocks_snapshots
#include <chrono>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "storage/keys.hpp"
#include "storage/rocks_store.hpp"
#include "tests/storage/rocks_support.hpp"

using namespace warden::storage;
using warden::storage::test::scratch_dir;
using warden::storage::test::with_raw_db;

namespace {

std::shared_ptr<snapshot_store> open_store(const std::string& path) {
  auto opened = open_rocks({path, true, "node-a"});
  if (opened.error)
    CAF_FAIL("cannot open " << path << ": " << opened.error->to_string());
  return opened.storage.snapshots;
}

} // namespace

CAF_TEST(snapshots are replaced erased and counted across reopen) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto store = open_store(path);
    CAF_CHECK(!store->put(7, "12345", 0));
    CAF_CHECK(!store->put(8, "xy", 0));
    CAF_CHECK(!store->put(9, "", 0));
    CAF_CHECK_EQUAL(store->bytes(), 7u);
    CAF_CHECK(!store->put(7, "1", 0));
    CAF_CHECK_EQUAL(store->bytes(), 3u);
    CAF_CHECK_EQUAL(store->size(), 3u);
    CAF_CHECK(!store->erase(8));
    CAF_CHECK(!store->erase(8));
    CAF_CHECK(!store->erase(100));
    CAF_CHECK_EQUAL(store->size(), 2u);
    CAF_CHECK_EQUAL(store->bytes(), 1u);
  }
  auto store = open_store(path);
  CAF_CHECK_EQUAL(store->size(), 2u);
  CAF_CHECK_EQUAL(store->bytes(), 1u);
  CAF_CHECK(store->get(7) == std::optional<std::string>{"1"});
  CAF_CHECK(store->get(9) == std::optional<std::string>{""});
  CAF_CHECK(!store->get(8));
  auto read = store->read(7);
  CAF_REQUIRE(read);
  CAF_CHECK(read.value == std::optional<std::string>{"1"});
}

CAF_TEST(a snapshot of another format is reported by read) {
  scratch_dir dir;
  auto path = dir / "db";
  { CAF_CHECK(!open_store(path)->put(5, "state", 0)); }
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK(db.Put(rocksdb::WriteOptions{}, cfs["sessions"], keys::session(5),
                     std::string{"\x07state"})
                  .ok());
  }));
  auto store = open_store(path);
  auto read = store->read(5);
  CAF_REQUIRE(read.error);
  CAF_CHECK_EQUAL(read.error->to_string(),
                  "snapshot read session 5: record format 7 is unknown (this "
                  "build reads 1)");
  CAF_CHECK(!store->get(5));
}

CAF_TEST(snapshots and the journal share one database) {
  scratch_dir dir;
  auto opened = open_rocks({dir / "db", true, "node-a"});
  CAF_REQUIRE(!opened.error);
  auto snapshots = opened.storage.snapshots;
  CAF_CHECK(
      !opened.storage.journal->append({{3, 1, entry_kind::model_step, "m"}}));
  opened.storage.journal.reset();
  CAF_CHECK(!snapshots->put(1, "s", 0));
  CAF_CHECK(snapshots->get(1) == std::optional<std::string>{"s"});
}

namespace {

std::vector<std::uint64_t> ids(std::initializer_list<std::uint64_t> xs) {
  return xs;
}

bool any(std::uint64_t) {
  return true;
}

/// Unix milliseconds now.
std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

} // namespace

CAF_TEST(snapshots expire by their latest write oldest first) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto store = open_store(path);
    CAF_CHECK(!store->put(1, "a", 100));
    CAF_CHECK(!store->put(2, "b", 200));
    CAF_CHECK(!store->put(3, "c", 300));
    CAF_CHECK(!store->put(1, "a2", 400)); // written again: counts from 400
  }
  auto store = open_store(path);
  auto first = store->expire(350, 10, any);
  CAF_REQUIRE(first);
  CAF_CHECK(first.value.sessions == ids({2, 3}));
  CAF_CHECK(!first.value.more);
  CAF_CHECK(store->get(1) == std::optional<std::string>{"a2"});
  CAF_CHECK(!store->get(2));
  CAF_CHECK_EQUAL(store->size(), 1u);
  CAF_CHECK_EQUAL(store->bytes(), 2u);
  auto second = store->expire(450, 10, any);
  CAF_CHECK(second.value.sessions == ids({1}));
  CAF_CHECK_EQUAL(store->size(), 0u);
  CAF_CHECK(store->expire(1'000, 10, any).value.sessions.empty());
}

CAF_TEST(a snapshot expire keeps waits for its next write and max bounds a
           sweep) {
  scratch_dir dir;
  auto store = open_store(dir / "db");
  CAF_CHECK(!store->put(1, "a", 100));
  CAF_CHECK(!store->put(2, "b", 200));
  CAF_CHECK(!store->put(3, "c", 300));
  auto kept = store->expire(1'000, 1, [](std::uint64_t id) { return id != 1; });
  CAF_CHECK(kept.value.sessions.empty());
  CAF_CHECK(kept.value.more);
  auto rest = store->expire(1'000, 10, any);
  CAF_CHECK(rest.value.sessions == ids({2, 3}));
  CAF_CHECK(store->get(1) == std::optional<std::string>{"a"});
  CAF_CHECK(!store->put(1, "a", 500));
  CAF_CHECK(store->expire(1'000, 10, any).value.sessions == ids({1}));
  // Written as of before the last sweep's cutoff (an import keeps its
  // time): the next sweep still finds it.
  CAF_CHECK(!store->put(4, "d", 50));
  CAF_CHECK(store->expire(1'000, 10, any).value.sessions == ids({4}));
}

CAF_TEST(erased snapshots do not expire and index entries are not snapshots) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto store = open_store(path);
    CAF_CHECK(!store->put(1, "a", 100));
    CAF_CHECK(!store->erase(1));
    CAF_CHECK(!store->put(2, "b", 200));
  }
  auto store = open_store(path);
  CAF_CHECK_EQUAL(store->size(), 1u);
  std::vector<std::uint64_t> seen;
  CAF_CHECK(!store->visit([&](std::uint64_t id, const std::string&) {
    seen.push_back(id);
    return true;
  }));
  CAF_CHECK(seen == ids({2}));
  CAF_CHECK(store->expire(1'000, 10, any).value.sessions == ids({2}));
}

CAF_TEST(a checkpoint written by the journal expires from when it was written) {
  scratch_dir dir;
  auto opened = open_rocks({dir / "db", true, "node-a"});
  CAF_REQUIRE(!opened.error);
  auto before = now_ms();
  std::string payload(7, '\0');
  payload += '\x09'; // session 9, big-endian
  payload += "state";
  CAF_CHECK(!opened.storage.journal->append(
      {{4, 1, entry_kind::session_checkpoint, payload}}));
  auto& store = *opened.storage.snapshots;
  CAF_CHECK(store.get(9) == std::optional<std::string>{"state"});
  CAF_CHECK(store.expire(before, 10, any).value.sessions.empty());
  CAF_CHECK(store.expire(now_ms() + 1, 10, any).value.sessions == ids({9}));
  CAF_CHECK(!store.get(9));
}

CAF_TEST(snapshots stored before the expiry index are indexed at open) {
  scratch_dir dir;
  auto path = dir / "db";
  { CAF_CHECK(open_store(path)); }
  // A database of an earlier build: a snapshot with no index entry and no
  // mark that snapshots were indexed.
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK(db.Put(rocksdb::WriteOptions{}, cfs["sessions"], keys::session(5),
                     std::string{"\x01state"})
                  .ok());
    CAF_CHECK(
        db.Delete(rocksdb::WriteOptions{}, cfs["meta"], "sessions_indexed")
            .ok());
  }));
  auto opened_at = now_ms();
  auto store = open_store(path);
  CAF_CHECK(store->expire(opened_at, 10, any).value.sessions.empty());
  CAF_CHECK(store->expire(now_ms() + 1, 10, any).value.sessions == ids({5}));
}
