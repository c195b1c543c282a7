#define CAF_SUITE storage.memory
#include <caf/test/unit_test.hpp>

#include "storage/journal.hpp"
#include "storage/snapshot_store.hpp"

using namespace warden::storage;

CAF_TEST(the memory journal returns the entries of one run in append order) {
  memory_journal journal;
  auto failed = journal.append({{1, 0, entry_kind::run_accepted, "a"},
                                {2, 0, entry_kind::run_accepted, "b"},
                                {1, 1, entry_kind::model_step, "c"}});
  CAF_CHECK(!failed);
  CAF_CHECK(!journal.append({{1, 2, entry_kind::run_final, "d"}}));
  auto entries = journal.entries_of(1);
  CAF_REQUIRE_EQUAL(entries.size(), 3u);
  CAF_CHECK_EQUAL(entries[0].payload, "a");
  CAF_CHECK_EQUAL(entries[1].payload, "c");
  CAF_CHECK(entries[2].kind == entry_kind::run_final);
  CAF_CHECK_EQUAL(journal.size(), 4u);
  CAF_CHECK(journal.entries_of(3).empty());
}

CAF_TEST(the memory snapshot store replaces erases and counts bytes) {
  memory_snapshot_store store;
  CAF_CHECK(!store.put(7, "12345"));
  CAF_CHECK(!store.put(8, "xy"));
  CAF_CHECK_EQUAL(store.bytes(), 7u);
  CAF_CHECK(!store.put(7, "1"));
  CAF_CHECK_EQUAL(store.bytes(), 3u);
  CAF_CHECK(store.get(7) == std::optional<std::string>{"1"});
  CAF_CHECK(!store.erase(7));
  CAF_CHECK(!store.erase(7));
  CAF_CHECK(!store.get(7));
  CAF_CHECK_EQUAL(store.size(), 1u);
  CAF_CHECK_EQUAL(store.bytes(), 2u);
}
