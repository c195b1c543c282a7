#define CAF_SUITE storage.journal_checks
#include <memory>
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "storage/journal.hpp"
#include "storage/rocks_store.hpp"
#include "tests/storage/journal_support.hpp"
#include "tests/storage/rocks_support.hpp"

// The checks both journals make before writing a batch, for entries that
// reach them off the network (session imports). Found by the storage_values
// fuzz target (fuzz/README.md).

using namespace warden::storage;
using warden::storage::test::accepted;
using warden::storage::test::open_journal;
using warden::storage::test::scratch_dir;

namespace {

stored_run make_run(std::uint64_t run) {
  stored_run x;
  x.run = run;
  x.session = 1;
  x.tenant = "acme";
  x.agent = "helper";
  x.input = "question";
  return x;
}

/// A batch whose last entry has a kind no build has written yet.
std::vector<journal_entry> batch_with_unknown_kind() {
  auto unknown =
      static_cast<entry_kind>(static_cast<std::uint8_t>(last_entry_kind) + 1);
  return {accepted(make_run(4)),
          {4, 1, entry_kind::model_step, "{}"},
          {4, 2, unknown, "{}"}};
}

void check_refused(journal& j) {
  auto failed = j.append(batch_with_unknown_kind());
  CAF_REQUIRE(failed);
  CAF_MESSAGE(failed->to_string());
  CAF_CHECK_EQUAL(failed->operation, "journal append");
  CAF_CHECK_EQUAL(failed->message, "an entry of run 4 has the unknown kind 10");
  CAF_CHECK_EQUAL(j.size(), 0u);
  CAF_CHECK(j.entries_of(4).value.empty());
  CAF_CHECK(!j.find_run(4).value);
}

} // namespace

CAF_TEST(the memory journal refuses a batch holding an unknown kind) {
  memory_journal j;
  check_refused(j);
}

CAF_TEST(the rocks journal refuses a batch holding an unknown kind) {
  // Written, such an entry made every later read of the run's journal fail
  // ("unknown entry kind 10").
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  check_refused(*j);
}

CAF_TEST(every kind the rocks journal accepts for a run reads back) {
  scratch_dir dir;
  auto j = open_journal(dir / "db");
  std::vector<journal_entry> batch{accepted(make_run(4))};
  for (auto k : {entry_kind::model_step, entry_kind::tool_started,
                 entry_kind::tool_finished, entry_kind::run_final})
    batch.push_back({4, static_cast<std::uint32_t>(k), k, "payload"});
  CAF_REQUIRE(!j->append(batch));
  auto read = j->entries_of(4);
  CAF_REQUIRE(read);
  CAF_REQUIRE_EQUAL(read.value.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    CAF_CHECK(read.value[i].kind == batch[i].kind);
    CAF_CHECK_EQUAL(read.value[i].step, batch[i].step);
    CAF_CHECK_EQUAL(read.value[i].payload, batch[i].payload);
  }
}
