#define CAF_SUITE actors.run_table
#include <string>
#include <string_view>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/node/run_table.hpp"

#include "logging/log.hpp"

using namespace warden;

namespace {

constexpr run_phase all_phases[] = {
    run_phase::submitted, run_phase::recovered, run_phase::resuming,
    run_phase::queued,    run_phase::admitted,  run_phase::running,
    run_phase::finishing, run_phase::final,
};

/// Catches the log lines written while it lives.
struct log_capture {
  std::vector<std::string> lines;
  logging::scoped_sink guard{[this](logging::level, std::string_view component,
                                    std::string_view message) {
    lines.push_back(std::string{component} + ": " + std::string{message});
  }};
};

} // namespace

CAF_TEST(the legal steps are exactly the documented ones) {
  using p = run_phase;
  std::vector<std::pair<p, p>> expected{
      {p::submitted, p::queued},    {p::submitted, p::admitted},
      {p::submitted, p::final},     {p::recovered, p::resuming},
      {p::recovered, p::finishing}, {p::resuming, p::queued},
      {p::resuming, p::admitted},   {p::resuming, p::recovered},
      {p::resuming, p::finishing},  {p::queued, p::admitted},
      {p::queued, p::finishing},    {p::admitted, p::running},
      {p::admitted, p::finishing},  {p::running, p::finishing},
      {p::finishing, p::final},
  };
  std::vector<std::pair<p, p>> found;
  for (auto from : all_phases)
    for (auto to : all_phases)
      if (run_table::legal(from, to))
        found.emplace_back(from, to);
  CAF_CHECK_EQUAL(found.size(), expected.size());
  std::vector<std::string> missing;
  for (const auto& step : expected)
    if (!run_table::legal(step.first, step.second))
      missing.push_back(std::string{to_string(step.first)} + " -> " +
                        to_string(step.second));
  CAF_CHECK_EQUAL(missing, std::vector<std::string>{});
  // Nothing leaves final; nothing goes back to submitted.
  for (auto x : all_phases) {
    CAF_CHECK(!run_table::legal(run_phase::final, x));
    CAF_CHECK(!run_table::legal(x, run_phase::submitted));
  }
}

CAF_TEST(an illegal step changes nothing and is logged) {
  log_capture log;
  run_table runs;
  auto& r = runs.add(7, run_origin::submitted, run_phase::submitted);
  CAF_CHECK(!runs.advance(r, run_phase::running));
  CAF_CHECK(r.phase == run_phase::submitted);
  CAF_REQUIRE_EQUAL(log.lines.size(), 1u);
  CAF_CHECK_EQUAL(log.lines[0],
                  "node: run 7: illegal step from submitted to running "
                  "ignored");
  CAF_CHECK(runs.advance(r, run_phase::queued));
  CAF_CHECK(runs.advance(r, run_phase::admitted));
  CAF_CHECK(runs.advance(r, run_phase::running));
  CAF_CHECK(!r.ended());
  CAF_CHECK(runs.advance(r, run_phase::finishing));
  CAF_CHECK(r.ended());
  CAF_CHECK(runs.advance(r, run_phase::final));
  CAF_CHECK(!runs.advance(r, run_phase::finishing));
  CAF_CHECK_EQUAL(log.lines.size(), 2u);
}

CAF_TEST(the accepted record only moves forward) {
  run_table runs;
  auto& r = runs.add(1, run_origin::submitted, run_phase::submitted);
  CAF_CHECK(r.record == record_state::unwritten);
  runs.record_written(r, record_state::writing);
  CAF_CHECK(r.record == record_state::writing);
  runs.record_written(r, record_state::durable);
  runs.record_written(r, record_state::writing);
  CAF_CHECK(r.record == record_state::durable);
}

CAF_TEST(
    the resume window counts recovered roots from resuming until they end) {
  run_table runs;
  auto& root = runs.add(1, run_origin::recovered, run_phase::recovered,
                        record_state::durable);
  auto& child = runs.add(2, run_origin::recovered, run_phase::recovered,
                         record_state::durable);
  child.tree.parent = 1;
  auto& fresh = runs.add(3, run_origin::submitted, run_phase::submitted);
  CAF_CHECK_EQUAL(runs.resuming(), 0u);
  runs.advance(root, run_phase::resuming);
  runs.advance(child, run_phase::resuming); // a child is adopted, not windowed
  runs.advance(fresh, run_phase::queued);
  CAF_CHECK_EQUAL(runs.resuming(), 1u);
  runs.advance(root, run_phase::recovered); // refused for now: parked
  CAF_CHECK_EQUAL(runs.resuming(), 0u);
  runs.advance(root, run_phase::resuming);
  runs.advance(root, run_phase::queued);
  runs.advance(root, run_phase::admitted);
  runs.advance(root, run_phase::running);
  CAF_CHECK_EQUAL(runs.resuming(), 1u);
  runs.advance(root, run_phase::finishing);
  CAF_CHECK_EQUAL(runs.resuming(), 0u);
  auto& other = runs.add(4, run_origin::recovered, run_phase::recovered,
                         record_state::durable);
  runs.advance(other, run_phase::resuming);
  CAF_CHECK_EQUAL(runs.resuming(), 1u);
  runs.erase(4);
  CAF_CHECK_EQUAL(runs.resuming(), 0u);
  CAF_CHECK(runs.find(4) == nullptr);
  CAF_CHECK_EQUAL(runs.size(), 3u);
}
