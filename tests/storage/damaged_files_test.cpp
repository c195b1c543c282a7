#define CAF_SUITE storage.damaged_files
#include <caf/test/unit_test.hpp>

// Damaged-file tests: a database of acknowledged runs is closed cleanly,
// then bytes of one of its files are flipped at random offsets. Whatever the
// file, the open either refuses naming a file of the database, or every
// acknowledged run comes back exactly or fails its read with an error: never
// a run silently missing, never an id handed out again.
//
// WARDEN_TEST_SEED replays a case; WARDEN_DAMAGE_CASES sets the cases per
// file kind (default 8; the long run uses hundreds).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "storage/detail/durable_marks.hpp"
#include "storage/keys.hpp"
#include "storage/rocks_store.hpp"
#include "tests/storage/rocks_support.hpp"
#include "tests/support/seed.hpp"

using namespace warden::storage;
using warden::storage::test::scratch_dir;
using warden::storage::test::with_raw_db;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t run_count = 40;

std::size_t cases_per_kind() {
  if (const char* env = std::getenv("WARDEN_DAMAGE_CASES"); env && *env)
    return std::stoul(env);
  return 8;
}

stored_run run_of(std::uint64_t id, bool final) {
  stored_run x;
  x.run = id;
  x.session = 1000 + id;
  x.tenant = id % 2 ? "acme" : "globex";
  x.agent = "researcher";
  x.input = "question " + std::to_string(id);
  x.idempotency_key = "key-" + std::to_string(id);
  x.final = final;
  x.state = final ? 2 : 1;
  if (final) {
    x.output = "answer " + std::to_string(id);
    x.finished_at_ms = 1'800'000'000'000 + id;
    x.usage.prompt_tokens = id;
  }
  return x;
}

/// Writes `run_count` acknowledged runs (each an append of its acceptance
/// and two steps; every other one final) and closes the database cleanly.
/// With `flushed`, everything then sits in table files of each column
/// family, else in the write-ahead log.
void create(const std::string& path, bool flushed) {
  {
    auto opened = open_rocks({path, true, "node-a"});
    if (opened.error)
      CAF_FAIL(opened.error->to_string());
    auto& j = *opened.storage.journal;
    for (std::uint64_t id = 1; id <= run_count; ++id) {
      CAF_REQUIRE(!j.append(
          {{id, 0, entry_kind::run_accepted, encode(run_of(id, false))},
           {id, 1, entry_kind::model_step, std::string(2000, 'm')},
           {id, 1, entry_kind::tool_finished, "{\"output\":\"ok\"}"}}));
      if (id % 2 == 0)
        CAF_REQUIRE(!j.append(
            {{id, 0, entry_kind::run_record, encode(run_of(id, true))}}));
      CAF_REQUIRE(
          !opened.storage.snapshots->put(1000 + id, std::string(100, 's'), id));
    }
  }
  if (flushed)
    CAF_REQUIRE(with_raw_db(path, [](auto& db, auto& cfs) {
      for (auto& [name, handle] : cfs)
        CAF_REQUIRE(db.Flush(rocksdb::FlushOptions{}, handle).ok());
    }));
}

/// The files of `dir` a kind of damage targets.
std::vector<fs::path> files_of(const std::string& dir,
                               const std::string& kind) {
  std::vector<fs::path> result;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    auto ext = entry.path().extension().string();
    bool match = (kind == "wal" && ext == ".log") ||
                 (kind == "sst" && ext == ".sst") ||
                 (kind == "manifest" && name.rfind("MANIFEST-", 0) == 0) ||
                 (kind == "current" && name == "CURRENT") ||
                 (kind == "options" && name.rfind("OPTIONS-", 0) == 0) ||
                 (kind == "marks" && name == detail::marks_file_name);
    if (match && fs::file_size(entry.path()) > 0)
      result.push_back(entry.path());
  }
  std::sort(result.begin(), result.end());
  return result;
}

/// Flips 1 to 64 bytes of `file` at random offsets (a run of them, or
/// scattered).
void damage(const fs::path& file, std::mt19937_64& rng) {
  auto size = fs::file_size(file);
  std::fstream f{file, std::ios::in | std::ios::out | std::ios::binary};
  auto count = std::uniform_int_distribution<int>{1, 64}(rng);
  auto contiguous = rng() % 2 == 0;
  auto at = std::uniform_int_distribution<std::uint64_t>{0, size - 1}(rng);
  for (int i = 0; i < count; ++i) {
    auto offset =
        contiguous
            ? std::min<std::uint64_t>(at + i, size - 1)
            : std::uniform_int_distribution<std::uint64_t>{0, size - 1}(rng);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ static_cast<char>(1 + rng() % 255));
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
  }
}

struct outcome {
  std::size_t refused = 0;
  std::size_t opened_intact = 0;
  std::size_t opened_with_read_errors = 0;
};

/// Opens the damaged database and checks the rule; counts the outcome.
void check_case(const std::string& path, const std::string& label,
                outcome& tally) {
  auto opened = open_rocks({path, true, "node-a"});
  if (opened.error) {
    auto text = opened.error->to_string();
    // The refusal names a file of the database (or the database itself
    // when RocksDB's own message is all there is, with the files checked).
    CAF_CHECK(text.find(path + "/") != std::string::npos);
    if (text.find(path + "/") == std::string::npos)
      CAF_MESSAGE(label << ": refusal names no file: " << text);
    ++tally.refused;
    return;
  }
  auto& j = *opened.storage.journal;
  bool read_error = false;
  for (std::uint64_t id = 1; id <= run_count; ++id) {
    auto expected = run_of(id, id % 2 == 0);
    auto found = j.find_run(id);
    if (found.error) {
      read_error = true;
    } else {
      CAF_CHECK(found.value.has_value());
      if (!found.value)
        CAF_MESSAGE(label << ": acknowledged run " << id << " is missing");
      else
        CAF_CHECK_EQUAL(encode(*found.value), encode(expected));
    }
    auto key = j.find_idempotent(expected.tenant, expected.idempotency_key);
    if (key.error)
      read_error = true;
    else
      CAF_CHECK(key.value == std::optional<std::uint64_t>{id});
    auto entries = j.entries_of(id);
    if (entries.error) {
      read_error = true;
    } else {
      auto want = id % 2 == 0 ? 4u : 3u;
      CAF_CHECK_EQUAL(entries.value.size(), want);
    }
  }
  auto marks = j.watermarks();
  if (marks.error)
    read_error = true;
  else
    CAF_CHECK_GREATER_OR_EQUAL(marks.value.run, run_count);
  ++(read_error ? tally.opened_with_read_errors : tally.opened_intact);
}

void damage_kind(const std::string& kind, bool flushed) {
  auto seed = warden::test::test_seed();
  auto cases = cases_per_kind();
  CAF_MESSAGE(kind << (flushed ? " (flushed)" : "") << ": seed " << seed << ", "
                   << cases << " cases");
  scratch_dir dir;
  auto pristine = dir / "pristine";
  create(pristine, flushed);
  CAF_REQUIRE(!files_of(pristine, kind).empty());
  outcome tally;
  for (std::size_t i = 0; i < cases; ++i) {
    std::mt19937_64 rng{seed + i};
    auto path = dir / ("case-" + std::to_string(i));
    fs::copy(pristine, path, fs::copy_options::recursive);
    auto files = files_of(path, kind);
    // Every file of the kind in turn (each column family's tables).
    auto& target = files[i % files.size()];
    damage(target, rng);
    check_case(path,
               kind + " case " + std::to_string(i) + " (seed " +
                   std::to_string(seed + i) + ", " +
                   target.filename().string() + ")",
               tally);
    fs::remove_all(path);
  }
  CAF_MESSAGE(kind << ": " << tally.refused << " refused, "
                   << tally.opened_intact << " opened intact, "
                   << tally.opened_with_read_errors
                   << " opened with read errors");
}

} // namespace

CAF_TEST(damaged write ahead logs are refused or lose nothing) {
  damage_kind("wal", false);
}

CAF_TEST(damaged table files of every column family are refused or detected) {
  damage_kind("sst", true);
}

CAF_TEST(a damaged MANIFEST is refused or loses nothing) {
  damage_kind("manifest", false);
}

CAF_TEST(a damaged CURRENT is refused or loses nothing) {
  damage_kind("current", false);
}

CAF_TEST(a damaged OPTIONS file loses nothing) {
  damage_kind("options", false);
}

CAF_TEST(a damaged marks file is refused or loses nothing) {
  damage_kind("marks", false);
}
