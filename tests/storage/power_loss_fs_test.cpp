#define CAF_SUITE storage.power_loss_fs
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <caf/test/dsl.hpp>

#include "storage/rocks_store.hpp"
#include "tests/storage/journal_support.hpp"
#include "tests/storage/rocks_support.hpp"
#include "tests/support/power_loss_fs.hpp"
#include "tests/support/seed.hpp"

// The simulated disk itself: what survives its power cut.

using namespace warden;
using warden::test::power_loss_fs;
using warden::test::tear_mode;

namespace {

std::string contents(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

bool exists(const std::string& path) {
  return std::filesystem::exists(path);
}

struct fixture {
  storage::test::scratch_dir dir;
  std::shared_ptr<power_loss_fs> fs;
  rocksdb::IOOptions io;

  fixture() : fs(std::make_shared<power_loss_fs>(1)) {}

  /// Makes a fresh instance over the same directory.
  void use(std::uint64_t seed, tear_mode mode) {
    fs = std::make_shared<power_loss_fs>(seed, mode);
  }

  std::unique_ptr<rocksdb::FSWritableFile> create(const std::string& name) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto status =
        fs->NewWritableFile(dir / name, rocksdb::FileOptions{}, &file, nullptr);
    CAF_REQUIRE(status.ok());
    return file;
  }

  void append(rocksdb::FSWritableFile& file, const std::string& bytes) {
    CAF_REQUIRE(file.Append(bytes, io, nullptr).ok());
  }

  void sync(rocksdb::FSWritableFile& file) {
    CAF_REQUIRE(file.Sync(io, nullptr).ok());
  }

  void sync_dir() {
    std::unique_ptr<rocksdb::FSDirectory> d;
    CAF_REQUIRE(fs->NewDirectory(dir.path.string(), io, &d, nullptr).ok());
    CAF_REQUIRE(d->Fsync(io, nullptr).ok());
  }

  /// Cuts the power and lets the dead process go: the disk shows the cut.
  void
  cut_and_settle(std::unique_ptr<rocksdb::FSWritableFile>* open = nullptr) {
    fs->power_cut();
    auto life = fs->lifetime();
    if (open)
      open->reset();
    fs.reset();
    CAF_REQUIRE(life.expired());
  }

  /// A file `name` holding `bytes`, durable in every way.
  void durable_file(const std::string& name, const std::string& bytes) {
    auto file = create(name);
    append(*file, bytes);
    sync(*file);
    CAF_REQUIRE(file->Close(io, nullptr).ok());
    sync_dir();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(power_loss_fs_tests, fixture)

CAF_TEST(bytes written after the last sync vanish at a cut) {
  auto file = create("log");
  sync_dir();
  append(*file, "synced ");
  sync(*file);
  append(*file, "not synced");
  CAF_CHECK_EQUAL(contents(dir / "log"), "synced not synced");
  cut_and_settle(&file);
  CAF_CHECK_EQUAL(contents(dir / "log"), "synced ");
}

CAF_TEST(a file never made durable in its directory vanishes) {
  auto file = create("new");
  append(*file, "synced data");
  sync(*file);
  cut_and_settle(&file);
  CAF_CHECK(!exists(dir / "new"));
}

CAF_TEST(a rename without a directory fsync reverts) {
  durable_file("CURRENT", "old");
  durable_file("CURRENT.tmp", "new");
  CAF_REQUIRE(
      fs->RenameFile(dir / "CURRENT.tmp", dir / "CURRENT", io, nullptr).ok());
  CAF_CHECK_EQUAL(contents(dir / "CURRENT"), "new");
  cut_and_settle();
  CAF_CHECK_EQUAL(contents(dir / "CURRENT"), "old");
  CAF_CHECK_EQUAL(contents(dir / "CURRENT.tmp"), "new");
}

CAF_TEST(a rename followed by a directory fsync stays) {
  durable_file("CURRENT", "old");
  durable_file("CURRENT.tmp", "new");
  CAF_REQUIRE(
      fs->RenameFile(dir / "CURRENT.tmp", dir / "CURRENT", io, nullptr).ok());
  sync_dir();
  cut_and_settle();
  CAF_CHECK_EQUAL(contents(dir / "CURRENT"), "new");
  CAF_CHECK(!exists(dir / "CURRENT.tmp"));
}

CAF_TEST(a deletion without a directory fsync reverts) {
  durable_file("old.log", "kept");
  CAF_REQUIRE(fs->DeleteFile(dir / "old.log", io, nullptr).ok());
  CAF_CHECK(!exists(dir / "old.log"));
  cut_and_settle();
  CAF_CHECK_EQUAL(contents(dir / "old.log"), "kept");
}

CAF_TEST(files on disk before the instance are durable as they are) {
  std::ofstream{dir / "before"} << "was here";
  use(2, tear_mode::drop);
  auto file = create("other");
  cut_and_settle(&file);
  CAF_CHECK_EQUAL(contents(dir / "before"), "was here");
}

CAF_TEST(after the cut every write fails) {
  auto file = create("log");
  fs->power_cut();
  CAF_CHECK(!file->Append("x", io, nullptr).ok());
  CAF_CHECK(!file->Sync(io, nullptr).ok());
  std::unique_ptr<rocksdb::FSWritableFile> other;
  CAF_CHECK(!fs->NewWritableFile(dir / "other", rocksdb::FileOptions{}, &other,
                                 nullptr)
                 .ok());
  CAF_CHECK(!fs->DeleteFile(dir / "log", io, nullptr).ok());
}

CAF_TEST(a cut armed for the n-th operation interrupts that operation) {
  auto file = create("log");
  sync_dir();
  append(*file, "durable");
  sync(*file);
  auto before = fs->operations();
  fs->cut_at_operation(2);
  append(*file, "+1"); // operation 1
  CAF_CHECK(!fs->cut());
  CAF_CHECK(!file->Append("+2", io, nullptr).ok()); // operation 2: the cut
  auto report = fs->cut();
  CAF_REQUIRE(report);
  CAF_CHECK_EQUAL(report->operation, before + 2);
  CAF_CHECK_EQUAL(report->during.rfind("append log ", 0), 0u);
  cut_and_settle(&file);
  CAF_CHECK_EQUAL(contents(dir / "log"), "durable");
}

CAF_TEST(torn tails keep synced bytes and a prefix of the unsynced ones) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed);
  std::mt19937_64 rng{seed};
  auto random_bytes = [&](std::size_t n) {
    std::string out(n, '\0');
    for (auto& c : out)
      c = static_cast<char>(1 + rng() % 255); // never zero
    return out;
  };
  std::size_t kept_some = 0;
  std::size_t zeros_inside = 0;
  std::size_t zeros_at_end = 0;
  for (std::uint64_t i = 0; i < 60; ++i) {
    const tear_mode modes[] = {tear_mode::torn_tail, tear_mode::zeroed_tail,
                               tear_mode::scrambled_tail};
    auto mode = modes[i % 3];
    use(seed + i, mode);
    auto name = "f" + std::to_string(i);
    auto synced = random_bytes(rng() % 5000);
    auto unsynced = random_bytes(1 + rng() % 20000);
    auto file = create(name);
    sync_dir();
    append(*file, synced);
    sync(*file);
    append(*file, unsynced);
    cut_and_settle(&file);
    auto after = contents(dir / name);
    CAF_REQUIRE(after.size() >= synced.size());
    CAF_REQUIRE(after.size() <= synced.size() + unsynced.size());
    CAF_CHECK_EQUAL(after.substr(0, synced.size()), synced);
    auto tail = after.substr(synced.size());
    if (!tail.empty())
      ++kept_some;
    // Every surviving byte is the byte written or a zero; a torn tail has
    // no zeros, a zeroed tail's all come after its last byte written.
    auto last_written = std::string::npos;
    auto first_zero = std::string::npos;
    std::size_t foreign = 0;
    for (std::size_t at = 0; at < tail.size(); ++at) {
      if (tail[at] == '\0') {
        first_zero = std::min(first_zero, at);
        continue;
      }
      if (tail[at] != unsynced[at])
        ++foreign;
      last_written = at;
    }
    CAF_CHECK_EQUAL(foreign, 0u);
    if (mode == tear_mode::torn_tail)
      CAF_CHECK_EQUAL(first_zero, std::string::npos);
    if (mode == tear_mode::zeroed_tail && first_zero != std::string::npos)
      ++zeros_at_end;
    if (first_zero != std::string::npos && last_written != std::string::npos &&
        first_zero < last_written) {
      CAF_CHECK(mode == tear_mode::scrambled_tail);
      ++zeros_inside;
    }
  }
  CAF_CHECK(kept_some > 0);
  CAF_CHECK(zeros_inside > 0);
  CAF_CHECK(zeros_at_end > 0);
}

CAF_TEST(a database whose log write failed closes without aborting) {
  // Debian's librocksdb keeps its assertions: a SyncWAL after a failed log
  // write aborted the process at close.
  storage::rocks_options opts{dir / "db", true, "node-a"};
  opts.file_system = fs;
  opts.marks_interval_ms = 3'600'000; // no marks write in between
  auto opened = storage::open_rocks(opts);
  CAF_REQUIRE(!opened.error);
  storage::stored_run x;
  x.run = 1;
  x.session = 1;
  x.tenant = "acme";
  x.agent = "researcher";
  CAF_REQUIRE(!opened.storage.journal->append({storage::test::accepted(x)}));
  fs->cut_at_operation(1); // the next log append
  x.run = 2;
  CAF_CHECK(opened.storage.journal->append({storage::test::accepted(x)}));
  CAF_REQUIRE(fs->cut());
  CAF_CHECK_EQUAL(fs->cut()->during.rfind("append ", 0), 0u);
  auto life = fs->lifetime();
  opened = {};
  opts.file_system = nullptr;
  fs.reset();
  CAF_REQUIRE(life.expired());
  // Closed like a crash: the next open checks recovery and finds run 1.
  auto again = storage::open_rocks({dir / "db", true, "node-a"});
  CAF_REQUIRE(!again.error);
  auto found = again.storage.journal->find_run(1);
  CAF_CHECK(found.value.has_value());
  CAF_CHECK(!again.storage.journal->find_run(2).value.has_value());
}

CAF_TEST_FIXTURE_SCOPE_END()
