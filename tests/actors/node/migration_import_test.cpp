#define CAF_SUITE actors.migration_import
#include <caf/test/dsl.hpp>

#include "tests/actors/node/migration_fixture.hpp"

// Imports whose journal holds entries no exported run's journal holds
// (found by the storage_values fuzz target, fuzz/README.md).

using namespace warden;
using migration_test::fixture;
using migration_test::has_text;

CAF_TEST_FIXTURE_SCOPE(migration_import_tests, fixture)

CAF_TEST(an import carrying a session checkpoint is refused) {
  // Written to RocksDB, a checkpoint becomes the snapshot of the session
  // its payload names: any session of this node, another tenant's too.
  auto ack = submit(a, "first question");
  auto sent = export_of(a, ack.session);
  std::string payload(8, '\0');
  payload[7] = 99; // session 99, not the imported one
  payload += "a forged snapshot";
  sent.journal.push_back(
      {ack.run, 1, storage::entry_kind::session_checkpoint, payload});
  auto err = import_error(b, serialized(sent));
  CAF_CHECK(warden_code(err) == error_code::invalid_argument);
  CAF_CHECK(has_text(err, "is of kind 9, which no run's journal holds"));
  CAF_CHECK(sessions(b, "acme").empty());
  CAF_CHECK_EQUAL(b.store->size(), 0u);
}

CAF_TEST(an import carrying an entry of an unknown kind is refused) {
  auto ack = submit(a, "first question");
  auto sent = export_of(a, ack.session);
  sent.journal.push_back(
      {ack.run, 1, static_cast<storage::entry_kind>(200), "{}"});
  auto err = import_error(b, serialized(sent));
  CAF_CHECK(warden_code(err) == error_code::invalid_argument);
  CAF_CHECK(has_text(err, "is of kind 200, which no run's journal holds"));
  CAF_CHECK(sessions(b, "acme").empty());
  CAF_CHECK_EQUAL(b.store->size(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
