#define CAF_SUITE actors.journal
#include <caf/test/dsl.hpp>

#include "actors/journal/journal.hpp"
#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "tests/storage/journal_support.hpp"

using namespace warden;

namespace {

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

/// A journal that stores in memory until told to fail like a full disk:
/// appends fail and health() reports the store unwritable until a
/// try_resume() after `disk_freed`.
class flaky_journal final : public storage::journal {
 public:
  bool full = false;
  bool disk_freed = false;
  int resumes = 0;
  storage::memory_journal backing;

  std::optional<storage::storage_error>
  append(const std::vector<storage::journal_entry>& batch) override {
    if (full)
      return storage::storage_error{
          "journal append",
          "IO error: No space left on device: While appending to file: "
          "/var/warden/db/000022.log",
          storage::failure_kind::unavailable};
    return backing.append(batch);
  }
  storage::read_result<std::vector<storage::journal_entry>>
  entries_of(std::uint64_t run) const override {
    return backing.entries_of(run);
  }
  storage::read_result<std::map<std::string, std::uint64_t>>
  daily_tokens(std::uint64_t day) const override {
    return backing.daily_tokens(day);
  }
  storage::read_result<std::optional<storage::stored_run>>
  find_run(std::uint64_t run) const override {
    return backing.find_run(run);
  }
  storage::read_result<std::optional<std::uint64_t>>
  find_idempotent(const std::string& tenant,
                  const std::string& key) const override {
    return backing.find_idempotent(tenant, key);
  }
  storage::read_result<std::vector<storage::stored_run>>
  unfinished_runs() const override {
    return backing.unfinished_runs();
  }
  storage::read_result<storage::id_watermarks> watermarks() const override {
    return backing.watermarks();
  }
  storage::read_result<std::uint64_t> expire(std::uint64_t cutoff,
                                             std::uint64_t max) override {
    return backing.expire(cutoff, max);
  }
  std::uint64_t size() const override { return backing.size(); }
  storage::store_health health() const override {
    return {!full, full ? "disk full" : ""};
  }
  storage::store_health try_resume() override {
    ++resumes;
    if (disk_freed)
      full = false;
    return health();
  }
};

struct fixture : test_coordinator_fixture<config> {
  journal_append batch(std::uint64_t ticket, bool quiet = false) {
    return {ticket, {{7, 1, storage::entry_kind::model_step, "step"}}, quiet};
  }

  /// Every journal_ack in `self`'s mailbox, in order.
  std::vector<journal_ack> acks() {
    std::vector<journal_ack> result;
    bool more = true;
    while (more)
      self->receive([&](journal_ack& ack) { result.push_back(ack); },
                    caf::after(std::chrono::seconds{0}) >>
                        [&] { more = false; });
    return result;
  }

  /// The storage_state messages in `self`'s mailbox, in order.
  std::vector<bool> states() {
    std::vector<bool> result;
    bool more = true;
    while (more)
      self->receive([&](storage_state& x) { result.push_back(x.writable); },
                    caf::after(std::chrono::seconds{0}) >>
                        [&] { more = false; });
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(journal_tests, fixture)

CAF_TEST(a ticketed append is acknowledged once stored) {
  auto store = std::make_shared<storage::memory_journal>();
  auto journal = sys.spawn(journal_actor, store, journal_options{});
  self->send(journal, batch(5));
  run();
  auto answers = acks();
  CAF_REQUIRE_EQUAL(answers.size(), 1u);
  CAF_CHECK_EQUAL(answers[0].ticket, 5u);
  CAF_CHECK(!answers[0].failure);
  CAF_CHECK_EQUAL(store->size(), 1u);
}

CAF_TEST(a quiet append is stored without an answer) {
  auto store = std::make_shared<storage::memory_journal>();
  auto journal = sys.spawn(journal_actor, store, journal_options{});
  self->send(journal, batch(3, true));
  run();
  CAF_CHECK_EQUAL(self->mailbox().size(), 0u);
  CAF_CHECK_EQUAL(store->size(), 1u);
}

CAF_TEST(the journal counts the entries it wrote from a memory store) {
  auto store = std::make_shared<storage::memory_journal>();
  auto journal = sys.spawn(journal_actor, store, journal_options{});
  self->send(journal, batch(1, true));
  self->send(journal, batch(2, true));
  run();
  auto& st = deref<caf::stateful_actor<journal_state>>(journal).state;
  CAF_CHECK_EQUAL(st.batches, 1u);
  CAF_CHECK_EQUAL(st.entries, 2u);
  CAF_CHECK_EQUAL(store->size(), 2u);
}

CAF_TEST(a failed append is reported to every sender quiet ones included) {
  auto store = std::make_shared<flaky_journal>();
  store->full = true;
  auto journal = sys.spawn(journal_actor, store, journal_options{});
  self->send(journal, batch(4, true));
  self->send(journal, batch(5));
  // sched.run(): a store that stays full is asked to resume every second
  // for good, and run() would fire that timer forever.
  sched.run();
  auto answers = acks();
  CAF_REQUIRE_EQUAL(answers.size(), 2u);
  CAF_CHECK_EQUAL(answers[0].ticket, 4u);
  CAF_CHECK_EQUAL(answers[1].ticket, 5u);
  for (const auto& ack : answers) {
    CAF_CHECK(warden_code(ack.failure) == error_code::unavailable);
    CAF_CHECK(error_retry_after(ack.failure) == storage_retry_after);
    // The sentence is for tenants: the operator's log has the path.
    auto reason = error_reason(ack.failure);
    CAF_CHECK(reason.find("/var/warden") == std::string::npos);
    CAF_CHECK(reason.find("not accepting writes") != std::string::npos);
  }
  auto& st = deref<caf::stateful_actor<journal_state>>(journal).state;
  CAF_CHECK_EQUAL(st.failures, 1u);
  CAF_CHECK_EQUAL(st.batches, 0u);
  // Space returns: the resume loop ends (the fixture's run() at the end
  // would fire it forever otherwise).
  store->disk_freed = true;
  run();
  CAF_CHECK(st.writable);
}

CAF_TEST(watchers learn when storage stops and resumes taking writes) {
  auto store = std::make_shared<flaky_journal>();
  journal_options opts;
  opts.resume_interval = std::chrono::milliseconds{1000};
  auto journal = sys.spawn(journal_actor, store, opts);
  self->send(journal, watch_storage{});
  run();
  CAF_CHECK_EQUAL(states(), std::vector<bool>{true});
  store->full = true;
  self->send(journal, batch(1));
  sched.run();
  CAF_CHECK_EQUAL(acks().size(), 1u);
  CAF_CHECK_EQUAL(states(), std::vector<bool>{false});
  // Still full: every resume interval it asks again, and says nothing new.
  advance_time(std::chrono::milliseconds{1000});
  sched.run();
  CAF_CHECK_EQUAL(store->resumes, 1);
  CAF_CHECK(states().empty());
  store->disk_freed = true;
  advance_time(std::chrono::milliseconds{1000});
  sched.run();
  CAF_CHECK_EQUAL(store->resumes, 2);
  CAF_CHECK_EQUAL(states(), std::vector<bool>{true});
  // Resumed: the next append is written and acknowledged.
  self->send(journal, batch(2));
  run();
  auto answers = acks();
  CAF_REQUIRE_EQUAL(answers.size(), 1u);
  CAF_CHECK(!answers[0].failure);
  CAF_CHECK_EQUAL(store->size(), 1u);
  // No more resume attempts once writable.
  advance_time(std::chrono::milliseconds{5000});
  run();
  CAF_CHECK_EQUAL(store->resumes, 2);
}

CAF_TEST(retention works off a backlog batch after batch without waiting) {
  auto store = std::make_shared<storage::memory_journal>();
  // Seven runs that finished long ago (11-17), one unfinished (18).
  std::vector<storage::journal_entry> runs;
  for (std::uint64_t id = 11; id <= 18; ++id) {
    storage::stored_run x;
    x.run = id;
    x.session = id;
    x.tenant = "acme";
    x.agent = "helper";
    x.final = id <= 17;
    x.finished_at_ms = x.final ? 1'000 + id : 0;
    runs.push_back(storage::test::accepted(x));
    runs.push_back({id, 1, storage::entry_kind::model_step, "m"});
  }
  CAF_REQUIRE(!store->append(runs));
  journal_options opts;
  opts.retention = std::chrono::milliseconds{60'000};
  opts.sweep_interval = std::chrono::milliseconds{60'000};
  opts.sweep_max_runs = 3;
  auto time = std::make_shared<policies::manual_clock>();
  time->set_unix_ms(1'000'000);
  opts.time = time;
  auto journal = sys.spawn(journal_actor, store, opts);
  auto& st = deref<caf::stateful_actor<journal_state>>(journal).state;
  // The sweep interval has not passed since the journal started: a write
  // deletes nothing.
  self->send(journal, batch(1, true));
  sched.run();
  CAF_CHECK_EQUAL(st.expired, 0u);
  // Once it has, a write starts a sweep, and the batches follow one another
  // (3, 3, then 1: the last is not full) with no time passing: a backlog
  // never waits for the next interval.
  advance_time(std::chrono::milliseconds{60'000});
  self->send(journal, batch(2, true));
  sched.run();
  CAF_CHECK_EQUAL(st.expired, 7u);
  CAF_CHECK(!st.sweep_scheduled);
  for (std::uint64_t id = 11; id <= 17; ++id)
    CAF_CHECK(!store->find_run(id).value);
  CAF_CHECK(store->find_run(18).value);
  // The unfinished run's two entries and the two appended steps are left.
  CAF_CHECK_EQUAL(store->size(), 4u);
}

CAF_TEST_FIXTURE_SCOPE_END()
