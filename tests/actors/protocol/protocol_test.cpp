#define CAF_SUITE actors.protocol
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/dsl.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "tests/support/round_trip.hpp"

using namespace warden;

namespace {

struct config : caf::actor_system_config {
  config() { warden::add_message_types(*this); }
};

struct fixture : test_coordinator_fixture<config> {
  /// Serializes `x` as a message, deserializes it, and returns the copy.
  template <class T>
  T round_trip(const T& x) {
    return warden::test::round_trip(sys, x);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(protocol_tests, fixture)

CAF_TEST(client messages survive serialization as registered types) {
  submit_run submit{"acme", "researcher", "hello", "batch", "key-1"};
  auto copy = round_trip(submit);
  CAF_CHECK_EQUAL(copy.tenant, "acme");
  CAF_CHECK_EQUAL(copy.agent, "researcher");
  CAF_CHECK_EQUAL(copy.input, "hello");
  CAF_CHECK_EQUAL(copy.priority, "batch");
  CAF_CHECK_EQUAL(copy.idempotency_key, "key-1");
  run_status status;
  status.run = 42;
  status.state = run_state::timed_out;
  status.usage.prompt_tokens = 7;
  status.usage.iterations = 3;
  status.output = "done";
  auto status_copy = round_trip(status);
  CAF_CHECK_EQUAL(status_copy.run, 42u);
  CAF_CHECK(status_copy.state == run_state::timed_out);
  CAF_CHECK_EQUAL(status_copy.usage.prompt_tokens, 7u);
  CAF_CHECK_EQUAL(status_copy.usage.iterations, 3u);
  CAF_CHECK_EQUAL(status_copy.output, "done");
}

CAF_TEST(model replies keep their tool calls in order) {
  model_reply reply;
  reply.text = "thinking";
  reply.tool_calls = {{"echo", R"({"text":"a"})"}, {"sleep", "{}"}};
  reply.completion_tokens = 12;
  auto copy = round_trip(reply);
  CAF_REQUIRE_EQUAL(copy.tool_calls.size(), 2u);
  CAF_CHECK_EQUAL(copy.tool_calls[0].tool, "echo");
  CAF_CHECK_EQUAL(copy.tool_calls[0].arguments, R"({"text":"a"})");
  CAF_CHECK_EQUAL(copy.tool_calls[1].tool, "sleep");
  CAF_CHECK_EQUAL(copy.completion_tokens, 12u);
}

CAF_TEST(fan out messages survive serialization as registered types) {
  spawn_child spawn{1,   2, 3,       3,   "summarizer", "sum up", {100, 0, 50},
                    900, 4, "2/1/0", true};
  auto copy = round_trip(admit_child{spawn}).spawn;
  CAF_CHECK_EQUAL(copy.root, 1u);
  CAF_CHECK_EQUAL(copy.parent, 2u);
  CAF_CHECK_EQUAL(copy.depth, 3u);
  CAF_CHECK_EQUAL(copy.agent, "summarizer");
  CAF_CHECK_EQUAL(copy.grant.tokens, 100u);
  CAF_CHECK_EQUAL(copy.timeout_ms, 900u);
  CAF_CHECK_EQUAL(copy.child, 4u);
  CAF_CHECK_EQUAL(copy.call_key, "2/1/0");
  CAF_CHECK(copy.resumed);
  child_finished done{4, "summarizer", run_state::timed_out, false, "", "late",
                      {}};
  done.usage.model_calls = 2;
  auto done_copy = round_trip(done);
  CAF_CHECK(done_copy.state == run_state::timed_out);
  CAF_CHECK_EQUAL(done_copy.reason, "late");
  CAF_CHECK_EQUAL(done_copy.usage.model_calls, 2u);
}

CAF_TEST(migration messages survive serialization as registered types) {
  CAF_CHECK_EQUAL(round_trip(export_session{"acme", 7}).session, 7u);
  CAF_CHECK_EQUAL(round_trip(session_imported{7}).session, 7u);
  session_export x;
  x.session = 7;
  x.tenant = "acme";
  x.agent = "researcher";
  x.snapshot.session = 7;
  x.snapshot.conversation = {{chat_role::user, "hello", ""}};
  x.snapshot.counters.turns = 1;
  exported_run r;
  r.run = 9;
  r.session = 7;
  r.idempotency_key = "k";
  r.state = run_state::succeeded;
  r.output = "hi";
  r.usage.completion_tokens = 5;
  r.finished_at_ms = 1234;
  r.counts_own_tokens = true;
  x.runs.push_back(r);
  x.journal.push_back({9, 1, storage::entry_kind::model_step, "{}"});
  auto copy = round_trip(import_session{x}).exported;
  CAF_CHECK_EQUAL(copy.format, session_export_format);
  CAF_CHECK_EQUAL(copy.tenant, "acme");
  CAF_REQUIRE_EQUAL(copy.snapshot.conversation.size(), 1u);
  CAF_CHECK_EQUAL(copy.snapshot.conversation[0].content, "hello");
  CAF_CHECK_EQUAL(copy.snapshot.counters.turns, 1u);
  CAF_REQUIRE_EQUAL(copy.runs.size(), 1u);
  CAF_CHECK_EQUAL(copy.runs[0].run, 9u);
  CAF_CHECK_EQUAL(copy.runs[0].idempotency_key, "k");
  CAF_CHECK(copy.runs[0].state == run_state::succeeded);
  CAF_CHECK_EQUAL(copy.runs[0].output, "hi");
  CAF_CHECK_EQUAL(copy.runs[0].usage.completion_tokens, 5u);
  CAF_CHECK_EQUAL(copy.runs[0].finished_at_ms, 1234u);
  CAF_CHECK(copy.runs[0].counts_own_tokens);
  CAF_REQUIRE_EQUAL(copy.journal.size(), 1u);
  CAF_CHECK(copy.journal[0].kind == storage::entry_kind::model_step);
  CAF_CHECK_EQUAL(copy.journal[0].step, 1u);
}

CAF_TEST(admission messages keep the accepted flag and the tokens of a run) {
  auto admit = round_trip(admit_run{7, "acme", 1, true, true});
  CAF_CHECK_EQUAL(admit.run, 7u);
  CAF_CHECK_EQUAL(admit.tenant, "acme");
  CAF_CHECK_EQUAL(admit.priority, 1u);
  CAF_CHECK(admit.accepted);
  CAF_CHECK(admit.continuation);
  CAF_CHECK(!round_trip(admit_run{7, "acme", 1, true, false}).continuation);
  CAF_CHECK_EQUAL(round_trip(yield_slot{8}).run, 8u);
  CAF_CHECK_EQUAL(round_trip(reclaim_slot{9}).run, 9u);
  CAF_CHECK_EQUAL(round_trip(slot_returned{10}).run, 10u);
  auto release = round_trip(release_run{7, 1'500, 1'714'564'800'000});
  CAF_CHECK_EQUAL(release.run, 7u);
  CAF_CHECK_EQUAL(release.tokens, 1'500u);
  CAF_CHECK_EQUAL(release.finished_at_ms, 1'714'564'800'000u);
}

CAF_TEST(warden errors carry their code reason and retry after) {
  caf::error err = make_error(error_code::rate_limited, "60 requests/min",
                              std::chrono::milliseconds{250});
  CAF_CHECK(warden_code(err) == error_code::rate_limited);
  CAF_CHECK_EQUAL(error_reason(err), "60 requests/min");
  CAF_CHECK(error_retry_after(err) == std::chrono::milliseconds{250});
  CAF_CHECK_EQUAL(sys.render(err), "warden.rate_limited: 60 requests/min");
  caf::error plain = error_code::not_found;
  CAF_CHECK(warden_code(plain) == error_code::not_found);
  CAF_CHECK(!error_retry_after(plain));
  CAF_CHECK(!warden_code(caf::make_error(caf::sec::request_timeout)));
}

CAF_TEST(a model request with a temperature that is not finite is refused) {
  // CAF 0.17 would halve an infinity forever while writing it.
  model_request request;
  request.run = 42;
  request.temperature = 1.5;
  std::vector<char> bytes;
  {
    caf::binary_serializer sink{sys, bytes};
    CAF_REQUIRE(!sink(request));
  }
  auto copy = round_trip(request);
  CAF_CHECK_EQUAL(copy.temperature, 1.5);
  for (auto bad : {std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN()}) {
    request.temperature = bad;
    std::vector<char> out;
    caf::binary_serializer sink{sys, out};
    auto err = sink(request);
    CAF_CHECK(err == caf::sec::invalid_argument);
    CAF_CHECK(sys.render(err).find("model_request.temperature is not a finite "
                                   "number") != std::string::npos);
  }
  // A peer's bytes whose double reads as an infinity (exponent bits all
  // ones): 1.5 packs as 3f f8 00 .. 00; ff f0 00 .. 00 unpacks as infinity.
  const char packed[] = {'\x3f', '\xf8', 0, 0, 0, 0, 0, 0};
  auto at = std::search(bytes.begin(), bytes.end(), packed, packed + 8);
  CAF_REQUIRE(at != bytes.end());
  at[0] = '\x7f';
  at[1] = '\xf0';
  model_request read;
  caf::binary_deserializer source{sys, bytes};
  auto err = source(read);
  CAF_CHECK(err == caf::sec::invalid_argument);
}

CAF_TEST(final states are exactly the last five) {
  CAF_CHECK(!is_final(run_state::queued));
  CAF_CHECK(!is_final(run_state::running));
  CAF_CHECK(is_final(run_state::succeeded));
  CAF_CHECK(is_final(run_state::shed));
  CAF_CHECK_EQUAL(std::string{to_string(run_state::timed_out)}, "timed_out");
}

CAF_TEST_FIXTURE_SCOPE_END()
