#define CAF_SUITE actors.journal
#include <caf/test/dsl.hpp>

#include "actors/journal_actor.hpp"
#include "actors/protocol.hpp"

using namespace warden;

namespace {

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

/// A journal whose appends always fail.
class broken_journal final : public storage::journal {
 public:
  std::optional<storage::storage_error>
  append(const std::vector<storage::journal_entry>&) override {
    return storage::storage_error{"journal append", "disk full"};
  }
  storage::read_result<std::vector<storage::journal_entry>>
  entries_of(std::uint64_t) const override {
    return {};
  }
  storage::read_result<std::map<std::string, std::uint64_t>>
  daily_tokens(std::uint64_t) const override {
    return {};
  }
  storage::read_result<std::optional<storage::stored_run>>
  find_run(std::uint64_t) const override {
    return {};
  }
  storage::read_result<std::optional<std::uint64_t>>
  find_idempotent(const std::string&, const std::string&) const override {
    return {};
  }
  storage::read_result<std::vector<storage::stored_run>>
  unfinished_runs() const override {
    return {};
  }
  storage::read_result<storage::id_watermarks> watermarks() const override {
    return {};
  }
  storage::read_result<std::uint64_t> expire(std::uint64_t,
                                             std::uint64_t) override {
    return {};
  }
  std::uint64_t size() const override { return 0; }
};

struct fixture : test_coordinator_fixture<config> {
  journal_append batch(std::uint64_t ticket) {
    return {ticket, {{7, 1, storage::entry_kind::model_step, "step"}}};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(journal_tests, fixture)

CAF_TEST(a ticketed append is acknowledged once stored) {
  auto store = std::make_shared<storage::memory_journal>();
  auto journal = sys.spawn(journal_actor, store, journal_options{});
  self->send(journal, batch(5));
  run();
  std::uint64_t acked = 0;
  self->receive([&](journal_ack& ack) { acked = ack.ticket; },
                caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK_EQUAL(acked, 5u);
  CAF_CHECK_EQUAL(store->size(), 1u);
}

CAF_TEST(ticket zero is stored without an answer) {
  auto store = std::make_shared<storage::memory_journal>();
  auto journal = sys.spawn(journal_actor, store, journal_options{});
  self->send(journal, batch(0));
  run();
  CAF_CHECK_EQUAL(self->mailbox().size(), 0u);
  CAF_CHECK_EQUAL(store->size(), 1u);
}

CAF_TEST(the journal counts the entries it wrote from a memory store) {
  auto store = std::make_shared<storage::memory_journal>();
  auto journal = sys.spawn(journal_actor, store, journal_options{});
  self->send(journal, batch(0));
  self->send(journal, batch(0));
  run();
  auto& st = deref<caf::stateful_actor<journal_state>>(journal).state;
  CAF_CHECK_EQUAL(st.batches, 1u);
  CAF_CHECK_EQUAL(st.entries, 2u);
  CAF_CHECK_EQUAL(store->size(), 2u);
}

CAF_TEST(a failed append is reported even for ticket zero) {
  auto journal = sys.spawn(journal_actor, std::make_shared<broken_journal>(),
                           journal_options{});
  self->send(journal, batch(0));
  run();
  bool reported = false;
  self->receive(
      [&](journal_ack& ack) {
        reported =
            ack.ticket == 0 && ack.failure == "journal append: disk full";
      },
      caf::after(std::chrono::seconds{0}) >> [] {});
  CAF_CHECK(reported);
}

CAF_TEST_FIXTURE_SCOPE_END()
