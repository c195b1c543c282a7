#define CAF_SUITE storage.rocks_snapshots
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
    CAF_CHECK(!store->put(7, "12345"));
    CAF_CHECK(!store->put(8, "xy"));
    CAF_CHECK(!store->put(9, ""));
    CAF_CHECK_EQUAL(store->bytes(), 7u);
    CAF_CHECK(!store->put(7, "1"));
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
  { CAF_CHECK(!open_store(path)->put(5, "state")); }
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
  CAF_CHECK(!snapshots->put(1, "s"));
  CAF_CHECK(snapshots->get(1) == std::optional<std::string>{"s"});
}
