#include "bench/standard/idle_sessions.hpp"

#include <vector>

#include <caf/all.hpp>

#include "actors/session/session.hpp"

#include "bench/standard/measure.hpp"

namespace warden::bench {

namespace {

session_snapshot make_snapshot(const agent_runtime& runtime, session_id id) {
  session_snapshot snapshot;
  snapshot.session = id;
  snapshot.agent = runtime.name;
  auto question = "question " + std::to_string(id);
  snapshot.conversation.push_back({chat_role::user, question, {}});
  snapshot.conversation.push_back(
      {chat_role::assistant, "Answer: " + question, {}});
  snapshot.counters.turns = 1;
  snapshot.counters.last_run = id;
  snapshot.counters.last_state = run_state::succeeded;
  return snapshot;
}

} // namespace

idle_figures measure_idle_sessions(caf::actor_system& sys,
                                   const agent_runtime_ptr& runtime,
                                   std::uint64_t count) {
  idle_figures result;
  result.sessions = count;
  if (count == 0)
    return result;
  // The handles are the harness's (the node keeps one per session in its
  // table); their storage is touched before the baseline so it is not
  // counted.
  std::vector<caf::actor> sessions(count);
  auto rss_before = trimmed_resident_bytes();
  auto heap_before = heap_bytes_in_use();
  auto t0 = wall_clock::now();
  for (std::uint64_t i = 0; i < count; ++i)
    sessions[i] = sys.spawn<caf::lazy_init>(restored_session_actor, runtime,
                                            make_snapshot(*runtime, i + 1));
  auto t1 = wall_clock::now();
  result.spawn_seconds = seconds_between(t0, t1);
  auto n = static_cast<double>(count);
  result.rss_bytes_spawned =
      static_cast<double>(trimmed_resident_bytes() - rss_before) / n;
  // One message each runs the restore (lazy_init defers it to the first
  // message); the snapshot replies are counted and dropped, in batches so
  // that at most `batch` replies are in flight.
  constexpr std::uint64_t batch = 10'000;
  auto t2 = wall_clock::now();
  {
    caf::scoped_actor self{sys};
    for (std::uint64_t first = 0; first < count; first += batch) {
      auto last = std::min(count, first + batch);
      for (auto i = first; i < last; ++i)
        self->send(sessions[i], snapshot_session{});
      std::uint64_t received = 0;
      self->receive_while([&] { return received < last - first; })(
          [&](session_snapshot&) { ++received; },
          [&](caf::error&) { ++received; });
    }
  }
  result.activate_seconds = seconds_between(t2, wall_clock::now());
  result.rss_bytes_activated =
      static_cast<double>(trimmed_resident_bytes() - rss_before) / n;
  result.heap_bytes_activated =
      static_cast<double>(heap_bytes_in_use() - heap_before) / n;
  auto t3 = wall_clock::now();
  for (auto& session : sessions)
    caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
  sessions.clear();
  sessions.shrink_to_fit();
  result.teardown_seconds = seconds_between(t3, wall_clock::now());
  return result;
}

} // namespace warden::bench
