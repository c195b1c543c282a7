#define CAF_SUITE storage.rocks_open
#include <fstream>

#include <caf/test/unit_test.hpp>

#include "storage/rocks_store.hpp"
#include "tests/storage/rocks_support.hpp"

using namespace warden::storage;
using warden::storage::test::scratch_dir;
using warden::storage::test::snapshot_files;
using warden::storage::test::with_raw_db;

namespace {

rocks_options options_for(const std::string& path) {
  return {path, true, "node-a"};
}

/// Creates a Warden database at `path` holding one run and its journal.
void create_database(const std::string& path) {
  auto opened = open_rocks(options_for(path));
  if (opened.error)
    CAF_FAIL("cannot create " << path << ": " << opened.error->to_string());
  stored_run x;
  x.run = 1;
  x.session = 1;
  x.tenant = "acme";
  CAF_CHECK(!opened.storage.journal->append(
      {{1, 0, entry_kind::run_accepted, encode(x)}}));
}

std::string refusal(const std::string& path) {
  auto opened = open_rocks(options_for(path));
  if (!opened.error)
    return "(opened)";
  CAF_MESSAGE(opened.error->to_string());
  return opened.error->to_string();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The first file of `dir` whose name starts with `prefix`.
std::string file_named(const std::string& dir, const std::string& prefix,
                       const std::string& suffix = {}) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return entry.path().string();
  }
  return {};
}

} // namespace

CAF_TEST(a new database is created with its parents and opens again) {
  scratch_dir dir;
  auto path = dir / "var/node/db";
  create_database(path);
  CAF_CHECK(std::filesystem::exists(path + "/CURRENT"));
  std::string format;
  std::string node;
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK_EQUAL(cfs.size(), 7u);
    CAF_CHECK(
        db.Get(rocksdb::ReadOptions{}, cfs["meta"], "format", &format).ok());
    CAF_CHECK(db.Get(rocksdb::ReadOptions{}, cfs["meta"], "node", &node).ok());
  }));
  CAF_CHECK_EQUAL(format, "warden-storage 1");
  CAF_CHECK_EQUAL(node, "node-a");
  auto opened = open_rocks(options_for(path));
  CAF_REQUIRE(!opened.error);
  CAF_CHECK(opened.storage.journal->find_run(1).value);
}

CAF_TEST(a directory holding other files is refused) {
  scratch_dir dir;
  std::filesystem::create_directories(dir / "db");
  std::ofstream{dir / "db/notes.txt"} << "mine";
  auto text = refusal(dir / "db");
  CAF_CHECK(contains(text, "open " + (dir / "db") + ": "));
  CAF_CHECK(contains(text, "not a Warden database"));
  CAF_CHECK(contains(text, "notes.txt"));
  CAF_CHECK(!std::filesystem::exists(dir / "db/CURRENT"));
}

CAF_TEST(a path that is a file is refused) {
  scratch_dir dir;
  std::ofstream{dir / "db"} << "x";
  auto text = refusal(dir / "db");
  CAF_CHECK(contains(text, "open " + (dir / "db") + ": not a directory"));
}

CAF_TEST(a foreign RocksDB database is refused and left unmodified) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    CAF_REQUIRE(rocksdb::DB::Open(options, path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db{raw};
    CAF_CHECK(db->Put(rocksdb::WriteOptions{}, "their", "data").ok());
    CAF_CHECK(db->Close().ok());
  }
  auto before = snapshot_files(path);
  auto text = refusal(path);
  CAF_CHECK(contains(text, "open " + path + ": not a Warden database"));
  CAF_CHECK(contains(text, "`default`"));
  CAF_CHECK(snapshot_files(path) == before);
}

CAF_TEST(a database of another storage format names both versions) {
  scratch_dir dir;
  auto path = dir / "db";
  create_database(path);
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK(db.Put(rocksdb::WriteOptions{}, cfs["meta"], "format",
                     "warden-storage 2")
                  .ok());
  }));
  CAF_CHECK_EQUAL(refusal(path),
                  "open " + path +
                      ": storage format 2 is unknown (this build reads 1)");
}

CAF_TEST(a database is refused by a cluster member of another index) {
  scratch_dir dir;
  auto path = dir / "db";
  create_database(path); // a single node's: member 0
  auto as_member = [&](std::uint32_t member) {
    auto opts = options_for(path);
    opts.member = member;
    return open_rocks(opts);
  };
  {
    auto second = as_member(1);
    CAF_REQUIRE(second.error.has_value());
    CAF_CHECK(contains(second.error->to_string(),
                       "the database hands out the ids of cluster member 0 (a "
                       "single node's, or the first member's), and this node "
                       "is member 1"));
  }
  // The first member of a cluster keeps a single node's database.
  auto first = as_member(0);
  CAF_CHECK(!first.error.has_value());
}

CAF_TEST(a database from before clusters is member 0s) {
  scratch_dir dir;
  auto path = dir / "db";
  create_database(path);
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK(db.Delete(rocksdb::WriteOptions{}, cfs["meta"], "member").ok());
  }));
  CAF_CHECK_EQUAL(refusal(path), "(opened)");
  auto opts = options_for(path);
  opts.member = 2;
  auto other = open_rocks(opts);
  CAF_REQUIRE(other.error.has_value());
  CAF_CHECK(contains(other.error->to_string(), "cluster member 0"));
}

CAF_TEST(a database with Warden column families but a foreign format record is
             refused) {
  scratch_dir dir;
  auto path = dir / "db";
  create_database(path);
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    CAF_CHECK(
        db.Put(rocksdb::WriteOptions{}, cfs["meta"], "format", "other 1").ok());
  }));
  CAF_CHECK(
      contains(refusal(path), "open " + path + ": not a Warden database"));
}

CAF_TEST(a corrupt CURRENT file is refused naming the path) {
  scratch_dir dir;
  auto path = dir / "db";
  create_database(path);
  std::ofstream{path + "/CURRENT", std::ios::trunc} << "garbage";
  auto text = refusal(path);
  CAF_CHECK(contains(text, "open " + path + ": "));
  CAF_CHECK(text != "(opened)");
}

CAF_TEST(a corrupt MANIFEST is refused naming the path) {
  scratch_dir dir;
  auto path = dir / "db";
  create_database(path);
  auto manifest = file_named(path, "MANIFEST-");
  CAF_REQUIRE(!manifest.empty());
  {
    std::fstream f{manifest, std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(10);
    f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
  }
  auto text = refusal(path);
  CAF_CHECK(contains(text, "open " + path + ": Corruption"));
}

CAF_TEST(a truncated table file is refused naming the path) {
  scratch_dir dir;
  auto path = dir / "db";
  create_database(path);
  CAF_REQUIRE(with_raw_db(path, [&](auto& db, auto& cfs) {
    for (auto& [name, handle] : cfs)
      CAF_CHECK(db.Flush(rocksdb::FlushOptions{}, handle).ok());
  }));
  auto table = file_named(path, "", ".sst");
  CAF_REQUIRE(!table.empty());
  std::filesystem::resize_file(table, std::filesystem::file_size(table) / 2);
  auto text = refusal(path);
  CAF_CHECK(contains(text, "open " + path + ": Corruption"));
}

/// Copies the database at `from` to `to` while it is open: what a machine
/// holds after the process is killed (the page cache has every write).
void crash_copy(const std::string& from, const std::string& to) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

/// Appends 20 journal entries of run 9 to `j`, one synced write each.
void append_steps(journal& j) {
  for (std::uint32_t step = 1; step <= 20; ++step)
    CAF_CHECK(
        !j.append({{9, step, entry_kind::model_step, std::string(100, 'p')}}));
}

/// A database under `dir` that took 20 steps and was copied while open
/// (what a crash leaves); returns the copy's path.
std::string crashed_after_steps(const scratch_dir& dir,
                                std::uint32_t marks_interval_ms = 1000) {
  auto path = dir / "db";
  auto crashed = dir / "crashed";
  auto opts = options_for(path);
  opts.marks_interval_ms = marks_interval_ms;
  auto opened = open_rocks(opts);
  CAF_REQUIRE(!opened.error);
  append_steps(*opened.storage.journal);
  crash_copy(path, crashed);
  return crashed;
}

CAF_TEST(a torn tail of the write ahead log is dropped at open) {
  scratch_dir dir;
  auto crashed = crashed_after_steps(dir);
  auto wal = file_named(crashed, "", ".log");
  CAF_REQUIRE(!wal.empty());
  // Cut the last record in half, as a crash in the middle of a write does.
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 60);
  auto opened = open_rocks(options_for(crashed));
  CAF_REQUIRE(!opened.error);
  auto entries = opened.storage.journal->entries_of(9);
  CAF_REQUIRE(entries);
  CAF_MESSAGE(entries.value.size() << " of 20 entries recovered");
  CAF_CHECK_GREATER_OR_EQUAL(entries.value.size(), 18u);
  CAF_CHECK_LESS(entries.value.size(), 20u);
  int gaps = 0;
  for (std::size_t i = 0; i < entries.value.size(); ++i)
    if (entries.value[i].step != i + 1)
      ++gaps;
  CAF_CHECK_EQUAL(gaps, 0);
}

CAF_TEST(after a clean close any loss from the write ahead log is refused) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto opened = open_rocks(options_for(path));
    CAF_REQUIRE(!opened.error);
    append_steps(*opened.storage.journal);
  }
  auto wal = file_named(path, "", ".log");
  CAF_REQUIRE(!wal.empty());
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 60);
  auto text = refusal(path);
  CAF_CHECK(contains(text, "open " + path + ": writes up to sequence"));
  CAF_CHECK(contains(text, ".log"));
  CAF_CHECK(contains(text, "--accept-data-loss"));
}

CAF_TEST(damage below the last recorded synced write is refused after a crash) {
  scratch_dir dir;
  // Every synced write is recorded in the marks.
  auto crashed = crashed_after_steps(dir, 0);
  auto wal = file_named(crashed, "", ".log");
  // The marks record the sequence before each synced write: cut into the
  // write before the last one, which they cover.
  std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 250);
  auto text = refusal(crashed);
  CAF_CHECK(contains(text, "writes up to sequence"));
}

CAF_TEST(a flipped byte in the middle of the write ahead log is refused) {
  scratch_dir dir;
  auto crashed = crashed_after_steps(dir);
  // After a crash too: records after the damage were synced.
  auto wal = file_named(crashed, "", ".log");
  {
    std::fstream f{wal, std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(wal) / 2));
    f.write("\xff", 1);
  }
  auto text = refusal(crashed);
  CAF_CHECK(contains(text, "write-ahead log " + wal + " is damaged"));
  CAF_CHECK(contains(text, "intact records after the damage"));
}

CAF_TEST(accepting data loss opens a damaged database above every id) {
  scratch_dir dir;
  auto path = dir / "db";
  {
    auto opened = open_rocks(options_for(path));
    CAF_REQUIRE(!opened.error);
    auto& j = *opened.storage.journal;
    for (std::uint64_t id = 1; id <= 20; ++id) {
      stored_run x;
      x.run = id;
      x.session = id;
      x.tenant = "acme";
      CAF_REQUIRE(!j.append({{id, 0, entry_kind::run_accepted, encode(x)}}));
    }
  }
  auto wal = file_named(path, "", ".log");
  {
    std::fstream f{wal, std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(wal) / 3));
    f.write("\xff\xff\xff\xff", 4);
  }
  CAF_CHECK(refusal(path) != "(opened)");
  auto opts = options_for(path);
  opts.accept_data_loss = true;
  auto opened = open_rocks(opts);
  CAF_REQUIRE(!opened.error);
  auto marks = opened.storage.journal->watermarks();
  CAF_REQUIRE(marks);
  // Runs after the damage are gone; their ids are never handed out again.
  CAF_CHECK_GREATER(marks.value.run, 20u);
  CAF_CHECK_GREATER(marks.value.session, 20u);
}

CAF_TEST(a database already open in this process is refused) {
  scratch_dir dir;
  auto path = dir / "db";
  auto first = open_rocks(options_for(path));
  CAF_REQUIRE(!first.error);
  auto text = refusal(path);
  CAF_CHECK(contains(text, "open " + path + ": IO error"));
}

CAF_TEST(the sync ceiling measurement leaves no files behind) {
  scratch_dir dir;
  auto rate = measure_sync_batch_ceiling(dir / "bench", 200, 50, 100);
  CAF_REQUIRE(rate);
  CAF_MESSAGE(rate.value << " records/s");
  CAF_CHECK_GREATER(rate.value, 0.0);
  CAF_CHECK(std::filesystem::is_empty(dir / "bench"));
}
