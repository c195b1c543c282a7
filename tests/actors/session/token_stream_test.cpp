#define CAF_SUITE actors.token_stream
// The content of a turn's model calls as it streams: a real provider actor
// whose backend streams when the test says, a session whose turn an
// observer (the test) follows with deltas, and the rule for a call retried
// after part of its answer was sent.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/common/delta_board.hpp"
#include "actors/dependencies/provider.hpp"
#include "tests/actors/session/session_fixture.hpp"

using namespace warden;
using namespace session_test;

namespace {

constexpr run_id run_1 = 1;

/// A model backend that streams and answers when the test says: each
/// attempt waits until the test writes content for it, reported through
/// the delta board as the OpenAI backend reports a network read (what was
/// not reported yet, all of it once a session listens), and ends it.
struct streaming_model final : model_backend {
  std::shared_ptr<delta_board> board;
  std::vector<std::pair<model_request, attempt_ticket>> attempts;
  std::string content;
  std::size_t reported = 0;

  void start(const model_request& request,
             const attempt_ticket& ticket) override {
    attempts.emplace_back(request, ticket);
    content.clear();
    reported = 0;
  }

  /// More content of the latest attempt; whether the board sent it on.
  bool stream(const std::string& text) {
    const auto& [request, ticket] = attempts.back();
    content += text;
    if (!board->report({request.run, request.step, ticket.attempt,
                        content.substr(reported)}))
      return false;
    reported = content.size();
    return true;
  }

  void succeed(std::string text) {
    model_reply reply;
    reply.text = std::move(text);
    reply.prompt_tokens = 10;
    reply.completion_tokens = 5;
    report_success(attempts.back().second, std::move(reply));
  }

  void cut() {
    report_failure(attempts.back().second,
                   attempt_failure{policies::error_class::transient,
                                   "the answer was cut mid-stream",
                                   std::nullopt});
  }
};

/// What the observer got, in order.
struct observed {
  std::vector<run_delta> deltas;
  std::vector<turn_step> steps;
  std::optional<turn_finished> finished;
  /// The deltas that came before the turn ended.
  std::size_t deltas_before_end = 0;
};

struct stream_fixture : session_test::fixture {
  std::shared_ptr<delta_board> board = std::make_shared<delta_board>();
  std::shared_ptr<streaming_model> model = std::make_shared<streaming_model>();
  caf::actor streaming_provider;

  stream_fixture() {
    model->board = board;
    provider_config cfg;
    cfg.name = "stream";
    cfg.settings.timeout_ms = 5'000;
    cfg.settings.retry.max_attempts = 3;
    cfg.settings.retry.initial_backoff_ms = 100;
    cfg.settings.retry.budget_min_retries = 1000;
    cfg.settings.breaker.minimum_calls = 100;
    cfg.backend = model;
    streaming_provider = spawn_provider(sys, std::move(cfg));
    sched.run();
    runtime.provider = streaming_provider;
    runtime.settings.tools = {};
    runtime.deltas = board;
    start_session();
  }

  ~stream_fixture() override {
    caf::anon_send_exit(streaming_provider, caf::exit_reason::user_shutdown);
  }

  /// Starts run 1's turn, followed by the test with deltas when `follow`.
  void begin_turn(bool follow) {
    turn_input turn{run_1, sid, "acme", "hi", 1, {}, nullptr, {}};
    if (follow) {
      turn.observer = self->address();
      turn.deltas = true;
    }
    self->send(session, run_turn{std::move(turn)});
    sched.run();
    CAF_REQUIRE_EQUAL(model->attempts.size(), 1u);
  }

  /// Everything in the test's mailbox now.
  observed collect() {
    observed r;
    for (bool more = true; more;)
      self->receive(
          [&](run_delta& x) {
            r.deltas.push_back(std::move(x));
            if (!r.finished)
              ++r.deltas_before_end;
          },
          [&](turn_step& x) { r.steps.push_back(std::move(x)); },
          [&](turn_finished& x) { r.finished = std::move(x); },
          caf::after(std::chrono::seconds{0}) >> [&] { more = false; });
    return r;
  }

  /// Starts a followed turn whose first attempt streams "Hel" and is cut;
  /// returns once the provider's retry has started.
  void cut_after_content() {
    begin_turn(true);
    CAF_CHECK(model->stream("Hel"));
    model->cut();
    sched.run();
    // Past the provider's retry backoff.
    advance_time(std::chrono::seconds{2});
    sched.run();
    CAF_REQUIRE_EQUAL(model->attempts.size(), 2u);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(token_stream_tests, stream_fixture)

CAF_TEST(content reaches the observer as it streams and before the turn ends) {
  begin_turn(true);
  CAF_CHECK_EQUAL(board->size(), 1u);
  CAF_CHECK(model->stream("Hel"));
  CAF_CHECK(model->stream("lo"));
  sched.run();
  auto live = collect();
  CAF_CHECK(!live.finished);
  CAF_REQUIRE_EQUAL(live.deltas.size(), 2u);
  CAF_CHECK_EQUAL(live.deltas[0].text, "Hel");
  CAF_CHECK_EQUAL(live.deltas[1].text, "lo");
  CAF_CHECK_EQUAL(live.deltas[0].run, run_1);
  CAF_CHECK_EQUAL(live.deltas[0].step, 1u);
  CAF_CHECK(!live.deltas[0].restarted && !live.deltas[1].restarted);
  model->succeed("Hello");
  sched.run();
  auto rest = collect();
  CAF_REQUIRE(rest.finished);
  CAF_CHECK_EQUAL(rest.finished->output, "Hello");
  // The answer is what was streamed: nothing is voided.
  CAF_CHECK(rest.deltas.empty());
  // The turn's end clears its run from the board.
  CAF_CHECK_EQUAL(board->size(), 0u);
}

CAF_TEST(a turn nobody follows sends no content) {
  begin_turn(false);
  CAF_CHECK_EQUAL(board->size(), 0u);
  CAF_CHECK(!model->stream("Hel"));
  CAF_CHECK(!model->stream("lo"));
  model->succeed("Hello");
  sched.run();
  auto r = collect();
  CAF_CHECK(r.deltas.empty());
  CAF_CHECK(r.steps.empty());
  CAF_REQUIRE(r.finished);
  CAF_CHECK_EQUAL(r.finished->output, "Hello");
}

CAF_TEST(a watch that comes during a model call gets all of its content) {
  begin_turn(false);
  CAF_CHECK(!model->stream("Hel"));
  self->send(session, watch_turn{run_1, self->address(), true});
  sched.run();
  CAF_CHECK(model->stream("lo"));
  model->succeed("Hello");
  sched.run();
  auto r = collect();
  // What streamed before the watch comes with the first content after it.
  CAF_REQUIRE_EQUAL(r.deltas.size(), 1u);
  CAF_CHECK_EQUAL(r.deltas[0].text, "Hello");
  CAF_CHECK(!r.deltas[0].restarted);
  CAF_CHECK_EQUAL(r.deltas_before_end, 1u);
  // The steps so far came with the watch: the model call that started.
  CAF_CHECK(!r.steps.empty());
  CAF_REQUIRE(r.finished);
  CAF_CHECK_EQUAL(board->size(), 0u);
}

CAF_TEST(a watch without deltas sends steps and no content) {
  begin_turn(false);
  self->send(session, watch_turn{run_1, self->address(), false});
  sched.run();
  CAF_CHECK(!model->stream("Hel"));
  model->succeed("Hel");
  sched.run();
  auto r = collect();
  CAF_CHECK(r.deltas.empty());
  CAF_CHECK(!r.steps.empty());
}

CAF_TEST(a retry that streams after content was sent voids that content) {
  cut_after_content();
  CAF_CHECK(model->stream("Hello"));
  model->succeed("Hello");
  sched.run();
  auto r = collect();
  CAF_REQUIRE_EQUAL(r.deltas.size(), 2u);
  CAF_CHECK_EQUAL(r.deltas[0].text, "Hel");
  CAF_CHECK(!r.deltas[0].restarted);
  // The new attempt's content starts over, flagged.
  CAF_CHECK_EQUAL(r.deltas[1].text, "Hello");
  CAF_CHECK(r.deltas[1].restarted);
  CAF_REQUIRE(r.finished);
  CAF_CHECK_EQUAL(r.finished->output, "Hello");
}

CAF_TEST(a retry that answers without streaming voids the content sent) {
  cut_after_content();
  model->succeed("Hello world");
  sched.run();
  auto r = collect();
  CAF_REQUIRE_EQUAL(r.deltas.size(), 2u);
  CAF_CHECK(!r.deltas[0].restarted);
  CAF_CHECK(r.deltas[1].restarted);
  CAF_CHECK(r.deltas[1].text.empty());
  // Told before the turn's end, so an observer can end its stream first.
  CAF_CHECK_EQUAL(r.deltas_before_end, 2u);
  CAF_REQUIRE(r.finished);
  CAF_CHECK_EQUAL(r.finished->output, "Hello world");
}

CAF_TEST_FIXTURE_SCOPE_END()
