#define CAF_SUITE policies.admission
#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <unordered_map>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/admission.hpp"
#include "policies/clock.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;
using namespace std::chrono_literals;

namespace {

admission_config make_config(std::uint32_t global_cap,
                             std::uint32_t global_queue_cap,
                             std::vector<priority_class> classes) {
  admission_config cfg;
  cfg.global_cap = global_cap;
  cfg.global_queue_cap = global_queue_cap;
  cfg.priorities = std::move(classes);
  return cfg;
}

// One class, no reservation.
admission_config single_class(std::uint32_t global_cap,
                              std::uint32_t global_queue_cap = 1000) {
  return make_config(global_cap, global_queue_cap, {{"normal", 0}});
}

// Class 0 "high" and class 1 "low".
admission_config two_classes(std::uint32_t global_cap,
                             std::uint32_t global_queue_cap,
                             std::uint32_t high_reserved = 0) {
  return make_config(global_cap, global_queue_cap,
                     {{"high", high_reserved}, {"low", 0}});
}

tenant_limits limits(std::uint32_t cap, std::uint32_t queue_cap,
                     std::uint32_t weight = 1) {
  return tenant_limits{cap, queue_cap, weight};
}

std::vector<std::uint64_t> ids(const std::vector<admitted_run>& runs) {
  std::vector<std::uint64_t> result;
  for (auto& r : runs)
    result.push_back(r.request);
  return result;
}

struct fixture {
  manual_clock clk;
  std::vector<admitted_run> out;

  void set(admission& q, std::uint64_t tenant, tenant_limits l) {
    q.set_tenant(tenant, l, out);
  }

  // Releases `request` and returns the runs it let in.
  std::vector<admitted_run> release(admission& q, std::uint64_t request) {
    out.clear();
    if (!q.release(request, out))
      return {admitted_run{~0ull, 0, 0, duration{0}}};
    return out;
  }
};

// A slow, plainly written model of the queue. It cannot tell which tenant the
// round robin serves next, so it checks every reported admission instead:
// FIFO within a tenant and class, capacity at that moment, strict priority.
struct model {
  enum class where { queued, running, yielded };
  struct run {
    std::uint64_t tenant = 0;
    std::size_t cls = 0;
    where state = where::queued;
    time_point enqueued{};
    bool continuation = false; // queued with the continuations
    bool reclaiming = false;   // queued to get back a yielded slot
    bool running() const { return state == where::running; }
    bool admitted() const { return state != where::queued || reclaiming; }
  };
  struct tenant {
    bool known = false;
    tenant_limits limits;
    std::uint32_t in_flight = 0;
    bool cap_lowered = false;
    bool queue_cap_lowered = false;
    std::vector<std::deque<std::uint64_t>> queues; // new runs, by class
    std::vector<std::deque<std::uint64_t>> conts;  // continuations, by class
    std::uint32_t yielded = 0;
    bool paused = false; // new runs are held
  };

  admission_config cfg;
  std::size_t classes;
  std::vector<std::uint32_t> limit;
  std::unordered_map<std::uint64_t, run> runs;
  std::vector<tenant> tenants;
  std::uint32_t in_flight = 0;
  std::uint32_t queued = 0;      // new runs
  std::uint32_t queued_cont = 0; // continuations
  int violations = 0;
  int sheds = 0;
  int dispatches = 0;
  int reclaims = 0;

  model(admission_config config, std::size_t tenant_ids)
      : cfg(std::move(config)), classes(cfg.priorities.size()) {
    auto l = cfg.global_cap;
    for (auto& c : cfg.priorities) {
      limit.push_back(l);
      l -= c.reserved;
    }
    tenants.resize(tenant_ids);
    for (auto& t : tenants)
      reset(t);
  }

  void reset(tenant& t) {
    t = tenant{};
    t.queues.resize(classes);
    t.conts.resize(classes);
  }

  bool known(std::uint64_t t) const {
    return t < tenants.size() && tenants[t].known;
  }

  std::uint32_t queued_of(std::uint64_t t) const {
    std::size_t n = 0;
    for (auto& f : tenants[t].queues)
      n += f.size();
    return static_cast<std::uint32_t>(n);
  }

  std::uint32_t conts_of(std::uint64_t t) const {
    std::size_t n = 0;
    for (auto& f : tenants[t].conts)
      n += f.size();
    return static_cast<std::uint32_t>(n);
  }

  std::uint32_t depth(std::size_t cls) const {
    std::size_t n = 0;
    for (auto& t : tenants)
      n += t.queues[cls].size() + t.conts[cls].size();
    return static_cast<std::uint32_t>(n);
  }

  bool has_capacity(const tenant& t, std::size_t cls) const {
    return t.in_flight < t.limits.in_flight_cap && in_flight < limit[cls];
  }

  // Whether a new run of `t` in class `cls` could start now.
  bool new_run_admissible(const tenant& t, std::size_t cls) const {
    return !t.paused && has_capacity(t, cls);
  }

  void set_tenant(admission& q, std::uint64_t id, tenant_limits l,
                  std::vector<admitted_run>& out, time_point now) {
    out.clear();
    q.set_tenant(id, l, out);
    auto& t = tenants[id];
    if (t.known) {
      t.cap_lowered |= l.in_flight_cap < t.limits.in_flight_cap;
      t.queue_cap_lowered |= l.queue_cap < t.limits.queue_cap;
    }
    t.known = true;
    t.limits = l;
    admitted(out, now);
  }

  void remove_tenant(admission& q, std::uint64_t id) {
    bool idle = known(id) && tenants[id].in_flight == 0 && queued_of(id) == 0 &&
                conts_of(id) == 0 && tenants[id].yielded == 0 &&
                !tenants[id].paused;
    if (q.remove_tenant(id) != idle)
      ++violations;
    else if (idle)
      reset(tenants[id]);
  }

  void pause(admission& q, std::uint64_t id) {
    if (q.pause(id) != known(id))
      ++violations;
    if (known(id))
      tenants[id].paused = true;
  }

  void resume(admission& q, std::uint64_t id, std::vector<admitted_run>& out,
              time_point now) {
    out.clear();
    if (q.resume(id, out) != known(id))
      ++violations;
    if (known(id))
      tenants[id].paused = false;
    admitted(out, now);
  }

  void dequeue(std::uint64_t id) {
    auto& r = runs[id];
    auto& t = tenants[r.tenant];
    auto& f = r.continuation ? t.conts[r.cls] : t.queues[r.cls];
    f.erase(std::find(f.begin(), f.end(), id));
    --(r.continuation ? queued_cont : queued);
  }

  void submit_continuation(admission& q, std::uint64_t id, std::uint64_t tid,
                           std::size_t cls, time_point now) {
    auto d = q.submit_continuation(id, tid, cls);
    std::optional<rejection_reason> want;
    if (cls >= classes)
      want = rejection_reason::unknown_priority;
    else if (runs.count(id) > 0)
      want = rejection_reason::duplicate_request;
    else if (!known(tid))
      want = rejection_reason::unknown_tenant;
    if (want) {
      if (!d.rejected() || d.reason != want)
        ++violations;
      return;
    }
    auto& t = tenants[tid];
    if (d.shed)
      ++violations; // continuations never shed
    if (has_capacity(t, cls)) {
      if (!d.admitted())
        ++violations;
      runs[id] = run{tid, cls, where::running, now};
      ++t.in_flight;
      ++in_flight;
      return;
    }
    if (!d.queued())
      ++violations;
    runs[id] = run{tid, cls, where::queued, now, true};
    t.conts[cls].push_back(id);
    ++queued_cont;
  }

  void yield(admission& q, std::uint64_t id, std::vector<admitted_run>& out,
             time_point now) {
    out.clear();
    auto i = runs.find(id);
    bool running = i != runs.end() && i->second.running();
    if (q.yield(id, out) != running)
      ++violations;
    if (running) {
      i->second.state = where::yielded;
      --tenants[i->second.tenant].in_flight;
      ++tenants[i->second.tenant].yielded;
      --in_flight;
    }
    admitted(out, now);
  }

  void reclaim(admission& q, std::uint64_t id, time_point now) {
    auto got = q.reclaim(id);
    auto i = runs.find(id);
    if (i == runs.end() || i->second.state != where::yielded) {
      if (got != reclaim_outcome::unknown_request)
        ++violations;
      return;
    }
    auto& r = i->second;
    auto& t = tenants[r.tenant];
    --t.yielded;
    if (has_capacity(t, r.cls)) {
      if (got != reclaim_outcome::resumed)
        ++violations;
      r.state = where::running;
      ++t.in_flight;
      ++in_flight;
      return;
    }
    if (got != reclaim_outcome::queued)
      ++violations;
    r.state = where::queued;
    r.continuation = true;
    r.reclaiming = true;
    r.enqueued = now;
    t.conts[r.cls].push_back(id);
    ++queued_cont;
  }

  void submit(admission& q, std::uint64_t id, std::uint64_t tid,
              std::size_t cls, time_point now) {
    auto d = q.submit(id, tid, cls);
    std::optional<rejection_reason> want;
    std::vector<std::uint64_t> victims;
    bool admit = false;
    if (cls >= classes) {
      want = rejection_reason::unknown_priority;
    } else if (runs.count(id) > 0) {
      want = rejection_reason::duplicate_request;
    } else if (!known(tid)) {
      want = rejection_reason::unknown_tenant;
    } else {
      auto& t = tenants[tid];
      auto lowest_of = [&](auto depth_of) {
        for (auto c = classes; c-- > 0;)
          if (depth_of(c) > 0)
            return c;
        return classes;
      };
      if (new_run_admissible(t, cls)) {
        admit = true;
      } else if (queued_of(tid) >= t.limits.queue_cap) {
        auto low = lowest_of([&](std::size_t c) { return t.queues[c].size(); });
        if (low == classes || low <= cls)
          want = rejection_reason::tenant_queue_full;
        else
          victims.push_back(t.queues[low].back());
      } else if (queued >= cfg.global_queue_cap) {
        // Only new runs are shed: the lowest class holding any.
        auto low = lowest_of([&](std::size_t c) {
          std::size_t n = 0;
          for (auto& other : tenants)
            n += other.queues[c].size();
          return n;
        });
        if (low == classes || low <= cls) {
          want = rejection_reason::global_queue_full;
        } else {
          std::size_t most = 0;
          for (auto& other : tenants)
            most = std::max(most, other.queues[low].size());
          for (auto& other : tenants)
            if (other.queues[low].size() == most)
              victims.push_back(other.queues[low].back());
        }
      }
    }
    if (want) {
      if (!d.rejected() || d.reason != want || d.shed)
        ++violations;
      return;
    }
    if (admit) {
      if (!d.admitted() || d.shed)
        ++violations;
      runs[id] = run{tid, cls, where::running, now};
      ++tenants[tid].in_flight;
      ++in_flight;
      return;
    }
    if (!d.queued() || victims.empty() == d.shed.has_value()) {
      ++violations;
      return;
    }
    if (d.shed) {
      ++sheds;
      auto v = d.shed->request;
      if (std::find(victims.begin(), victims.end(), v) == victims.end() ||
          d.shed->reason != shed_reason::shed_for_higher_priority ||
          d.shed->tenant != runs[v].tenant ||
          d.shed->waited != now - runs[v].enqueued)
        ++violations;
      dequeue(v);
      runs.erase(v);
    }
    runs[id] = run{tid, cls, where::queued, now};
    tenants[tid].queues[cls].push_back(id);
    ++queued;
  }

  // Checks the runs one operation admitted: each was the oldest of its
  // tenant's queue (continuations or new runs of its class) and had room,
  // and they left by level (a class's continuations, then its new runs).
  void admitted(const std::vector<admitted_run>& events, time_point now) {
    std::size_t last = 0;
    for (auto& e : events) {
      ++dispatches;
      auto i = runs.find(e.request);
      if (i == runs.end() || i->second.state != where::queued) {
        ++violations;
        continue;
      }
      auto& r = i->second;
      auto& t = tenants[r.tenant];
      auto& f = r.continuation ? t.conts[r.cls] : t.queues[r.cls];
      auto level = 2 * r.cls + (r.continuation ? 0 : 1);
      auto room = r.continuation ? has_capacity(t, r.cls)
                                 : new_run_admissible(t, r.cls);
      if (f.front() != e.request || level < last || !room ||
          e.tenant != r.tenant || e.priority != r.cls ||
          e.waited != now - r.enqueued || e.reclaimed != r.reclaiming)
        ++violations;
      // A new run leaves only when no continuation of its class can.
      if (!r.continuation)
        for (auto& other : tenants)
          if (!other.conts[r.cls].empty() && has_capacity(other, r.cls))
            ++violations;
      last = level;
      reclaims += e.reclaimed ? 1 : 0;
      dequeue(e.request);
      r.state = where::running;
      r.continuation = false;
      r.reclaiming = false;
      ++t.in_flight;
      ++in_flight;
    }
  }

  // Forgets an admitted run (released or cancelled).
  void finish(std::uint64_t id) {
    auto& r = runs[id];
    auto& t = tenants[r.tenant];
    if (r.state == where::queued)
      dequeue(id);
    else if (r.state == where::yielded)
      --t.yielded;
    else {
      --t.in_flight;
      --in_flight;
    }
    runs.erase(id);
  }

  void check(const admission& q, time_point now) {
    if (q.in_flight_total() != in_flight || in_flight > cfg.global_cap ||
        q.queued_total() != queued + queued_cont ||
        queued > cfg.global_queue_cap)
      ++violations;
    std::vector<std::uint32_t> running(classes, 0);
    for (auto& [id, r] : runs) {
      auto want = r.state == where::running   ? request_state::running
                  : r.state == where::yielded ? request_state::yielded
                                              : request_state::queued;
      if (q.state(id) != want)
        ++violations;
      if (r.running())
        ++running[r.cls];
    }
    // Classes i and below together stay within class i's limit.
    std::uint32_t at_or_below = 0;
    for (auto c = classes; c-- > 0;) {
      at_or_below += running[c];
      if (at_or_below > limit[c])
        ++violations;
      if (q.queue_depth(c) != depth(c))
        ++violations;
      std::optional<time_point> oldest;
      for (auto& t : tenants)
        for (auto* f : {&t.queues[c], &t.conts[c]})
          if (!f->empty()) {
            auto e = runs[f->front()].enqueued;
            oldest = oldest ? std::min(*oldest, e) : e;
          }
      if (q.oldest_waiting_age(c) != (oldest ? now - *oldest : duration{0}))
        ++violations;
    }
    for (std::uint64_t id = 0; id < tenants.size(); ++id) {
      auto& t = tenants[id];
      if (q.has_tenant(id) != t.known || q.in_flight(id) != t.in_flight ||
          q.queued(id) != queued_of(id) + conts_of(id) ||
          q.paused(id) != t.paused)
        ++violations;
      if (!t.cap_lowered && t.in_flight > t.limits.in_flight_cap)
        ++violations;
      if (!t.queue_cap_lowered && queued_of(id) > t.limits.queue_cap)
        ++violations;
      for (std::size_t c = 0; c < classes; ++c) {
        if (q.queued(id, c) != t.queues[c].size() + t.conts[c].size())
          ++violations;
        // Dispatch is eager: nothing queued may be admissible (a paused
        // tenant's new runs never are).
        if ((!t.queues[c].empty() && new_run_admissible(t, c)) ||
            (!t.conts[c].empty() && has_capacity(t, c)))
          ++violations;
      }
    }
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(admission_tests, fixture)

CAF_TEST(
    a run is admitted at once while its tenant and the global cap allow it) {
  admission q{single_class(3), clk};
  set(q, 7, limits(2, 10));
  set(q, 8, limits(2, 10));
  CAF_CHECK(q.submit(1, 7, 0).admitted());
  CAF_CHECK(q.submit(2, 7, 0).admitted());
  CAF_CHECK(q.submit(3, 7, 0).queued()); // tenant cap
  CAF_CHECK(q.submit(4, 8, 0).admitted());
  CAF_CHECK(q.submit(5, 8, 0).queued()); // global cap
  CAF_CHECK_EQUAL(q.in_flight(7), 2u);
  CAF_CHECK_EQUAL(q.in_flight(8), 1u);
  CAF_CHECK_EQUAL(q.in_flight_total(), 3u);
  CAF_CHECK_EQUAL(q.queued(7), 1u);
  CAF_CHECK_EQUAL(q.queued_total(), 2u);
  CAF_CHECK(q.state(1) == request_state::running);
  CAF_CHECK(q.state(3) == request_state::queued);
  CAF_CHECK(q.state(99) == request_state::unknown);
}

CAF_TEST(releasing a run admits the next waiting run and reports its wait) {
  admission q{single_class(10), clk};
  set(q, 1, limits(1, 10));
  CAF_CHECK(q.submit(100, 1, 0).admitted());
  CAF_CHECK(q.submit(101, 1, 0).queued());
  clk.advance(5ms);
  CAF_CHECK(q.submit(102, 1, 0).queued());
  clk.advance(7ms);
  auto first = release(q, 100);
  CAF_REQUIRE_EQUAL(first.size(), 1u);
  CAF_CHECK_EQUAL(first[0].request, 101u);
  CAF_CHECK_EQUAL(first[0].tenant, 1u);
  CAF_CHECK(first[0].waited == 12ms);
  auto second = release(q, 101);
  CAF_REQUIRE_EQUAL(second.size(), 1u);
  CAF_CHECK_EQUAL(second[0].request, 102u);
  CAF_CHECK(second[0].waited == 7ms);
  CAF_CHECK(release(q, 102).empty());
  CAF_CHECK_EQUAL(q.in_flight_total(), 0u);
  std::vector<admitted_run> none;
  CAF_CHECK(!q.release(102, none)); // already released
}

CAF_TEST(runs of one tenant and class leave the queue in FIFO order) {
  admission q{single_class(100), clk};
  set(q, 1, limits(1, 100));
  CAF_CHECK(q.submit(0, 1, 0).admitted());
  for (std::uint64_t i = 1; i <= 20; ++i)
    CAF_CHECK(q.submit(i, 1, 0).queued());
  std::vector<std::uint64_t> order;
  for (std::uint64_t i = 0; i < 20; ++i) {
    auto next = release(q, i);
    for (auto id : ids(next))
      order.push_back(id);
  }
  std::vector<std::uint64_t> expected;
  for (std::uint64_t i = 1; i <= 20; ++i)
    expected.push_back(i);
  CAF_CHECK_EQUAL(order, expected);
}

CAF_TEST(low priority never takes the slots reserved for higher classes) {
  auto cfg = make_config(10, 100, {{"high", 3}, {"mid", 2}, {"low", 0}});
  admission q{cfg, clk};
  CAF_CHECK_EQUAL(q.class_limit(0), 10u);
  CAF_CHECK_EQUAL(q.class_limit(1), 7u);
  CAF_CHECK_EQUAL(q.class_limit(2), 5u);
  set(q, 1, limits(100, 100));
  for (std::uint64_t i = 0; i < 8; ++i)
    CAF_CHECK_EQUAL(q.submit(i, 1, 2).admitted(), i < 5);
  for (std::uint64_t i = 10; i < 14; ++i)
    CAF_CHECK_EQUAL(q.submit(i, 1, 1).admitted(), i < 12);
  for (std::uint64_t i = 20; i < 25; ++i)
    CAF_CHECK_EQUAL(q.submit(i, 1, 0).admitted(), i < 23);
  CAF_CHECK_EQUAL(q.in_flight_total(), 10u);
  // Freeing a low slot serves the highest class first.
  auto next = release(q, 0);
  CAF_CHECK_EQUAL(ids(next), std::vector<std::uint64_t>{23});
  // Freeing a high slot does not let mid or low in while 10 - 3 are in use.
  next = release(q, 20);
  CAF_CHECK_EQUAL(ids(next), std::vector<std::uint64_t>{24});
  next = release(q, 21);
  CAF_CHECK(next.empty());
  CAF_CHECK_EQUAL(q.queue_depth(1), 2u);
  CAF_CHECK_EQUAL(q.queue_depth(2), 3u);
}

CAF_TEST(the highest class may use the whole global capacity) {
  admission q{two_classes(4, 100, 3), clk};
  set(q, 1, limits(100, 100));
  for (std::uint64_t i = 0; i < 4; ++i)
    CAF_CHECK(q.submit(i, 1, 0).admitted());
  CAF_CHECK(q.submit(4, 1, 0).queued());
  CAF_CHECK(q.submit(5, 1, 1).queued());
  auto next = release(q, 0);
  CAF_CHECK_EQUAL(ids(next), std::vector<std::uint64_t>{4});
}

CAF_TEST(waiting runs are dispatched by strict priority across classes) {
  admission q{two_classes(1, 100), clk};
  set(q, 1, limits(100, 100));
  set(q, 2, limits(100, 100));
  CAF_CHECK(q.submit(0, 1, 1).admitted());
  CAF_CHECK(q.submit(1, 1, 1).queued());
  CAF_CHECK(q.submit(2, 2, 1).queued());
  CAF_CHECK(q.submit(3, 2, 0).queued());
  CAF_CHECK(q.submit(4, 1, 0).queued());
  std::vector<std::uint64_t> order;
  for (std::uint64_t running = 0;;) {
    auto next = release(q, running);
    if (next.empty())
      break;
    running = next[0].request;
    order.push_back(running);
  }
  CAF_CHECK_EQUAL(order, (std::vector<std::uint64_t>{3, 4, 1, 2}));
}

CAF_TEST(two equal weight tenants alternate when competing for a small cap) {
  admission q{single_class(2, 2000), clk};
  set(q, 1, limits(100, 1000));
  set(q, 2, limits(100, 1000));
  // Tenant 1 floods ten times its cap before tenant 2 shows up.
  for (std::uint64_t i = 0; i < 1000; ++i)
    (void)q.submit(1000 + i, 1, 0);
  for (std::uint64_t i = 0; i < 20; ++i)
    CAF_CHECK(q.submit(2000 + i, 2, 0).queued());
  std::vector<std::uint64_t> running{1000, 1001};
  std::vector<std::uint64_t> tenants;
  for (int i = 0; i < 40; ++i) {
    auto next = release(q, running.front());
    running.erase(running.begin());
    CAF_REQUIRE_EQUAL(next.size(), 1u);
    running.push_back(next[0].request);
    tenants.push_back(next[0].tenant);
  }
  auto alternations = 0;
  for (std::size_t i = 1; i < tenants.size(); ++i)
    if (tenants[i] != tenants[i - 1])
      ++alternations;
  CAF_CHECK_EQUAL(alternations, 39);
  CAF_CHECK_EQUAL(std::count(tenants.begin(), tenants.end(), 2u), 20);
  CAF_CHECK_EQUAL(q.queued(2), 0u);
}

CAF_TEST(dispatch shares follow tenant weights of one to three) {
  admission q{single_class(4, 10000), clk};
  set(q, 1, limits(1000, 5000, 1));
  set(q, 2, limits(1000, 5000, 3));
  for (std::uint64_t i = 0; i < 2000; ++i) {
    (void)q.submit(10000 + i, 1, 0);
    (void)q.submit(20000 + i, 2, 0);
  }
  std::vector<std::uint64_t> running{10000, 20000, 10001, 20001};
  std::size_t by_tenant[3] = {0, 0, 0};
  for (int i = 0; i < 2000; ++i) {
    auto next = release(q, running.front());
    running.erase(running.begin());
    CAF_REQUIRE_EQUAL(next.size(), 1u);
    running.push_back(next[0].request);
    ++by_tenant[next[0].tenant];
  }
  CAF_MESSAGE("weight 1: " << by_tenant[1] << ", weight 3: " << by_tenant[2]);
  CAF_CHECK_LESS_OR_EQUAL(
      by_tenant[1] > 500 ? by_tenant[1] - 500 : 500 - by_tenant[1], 3u);
  CAF_CHECK_EQUAL(by_tenant[1] + by_tenant[2], 2000u);
}

CAF_TEST(a tenant at its cap is skipped until one of its runs is released) {
  admission q{single_class(4), clk};
  set(q, 1, limits(1, 100));
  set(q, 2, limits(100, 100));
  CAF_CHECK(q.submit(1, 1, 0).admitted());
  CAF_CHECK(q.submit(2, 1, 0).queued());
  for (std::uint64_t i = 0; i < 3; ++i)
    CAF_CHECK(q.submit(10 + i, 2, 0).admitted());
  for (std::uint64_t i = 3; i < 10; ++i)
    CAF_CHECK(q.submit(10 + i, 2, 0).queued());
  // Tenant 1 is at its cap: tenant 2 gets every freed slot.
  CAF_CHECK_EQUAL(ids(release(q, 10)), std::vector<std::uint64_t>{13});
  CAF_CHECK_EQUAL(ids(release(q, 11)), std::vector<std::uint64_t>{14});
  // Tenant 1's release puts it back at the end of the rotation: tenant 2,
  // whose turn it is, takes this slot and tenant 1 the next one.
  CAF_CHECK_EQUAL(ids(release(q, 1)), std::vector<std::uint64_t>{15});
  CAF_CHECK_EQUAL(q.in_flight(1), 0u);
  CAF_CHECK_EQUAL(ids(release(q, 12)), std::vector<std::uint64_t>{2});
  CAF_CHECK_EQUAL(q.in_flight(1), 1u);
  CAF_CHECK_EQUAL(q.queued(2), 4u);
}

CAF_TEST(a raised tenant cap admits waiting runs and a lowered one holds) {
  admission q{single_class(100), clk};
  set(q, 1, limits(1, 100));
  CAF_CHECK(q.submit(1, 1, 0).admitted());
  CAF_CHECK(q.submit(2, 1, 0).queued());
  CAF_CHECK(q.submit(3, 1, 0).queued());
  CAF_CHECK(q.submit(4, 1, 0).queued());
  out.clear();
  set(q, 1, limits(3, 100));
  CAF_CHECK_EQUAL(ids(out), (std::vector<std::uint64_t>{2, 3}));
  out.clear();
  set(q, 1, limits(1, 100));
  CAF_CHECK(out.empty());
  CAF_CHECK(release(q, 1).empty()); // still 2 in flight, cap 1
  CAF_CHECK(release(q, 2).empty());
  CAF_CHECK_EQUAL(ids(release(q, 3)), std::vector<std::uint64_t>{4});
  CAF_CHECK(q.limits(1).has_value());
  CAF_CHECK(!q.limits(2).has_value());
}

CAF_TEST(a full tenant queue rejects equal priority and sheds lower priority) {
  admission q{two_classes(100, 1000), clk};
  set(q, 1, limits(1, 3));
  CAF_CHECK(q.submit(1, 1, 1).admitted());
  CAF_CHECK(q.submit(2, 1, 1).queued());
  CAF_CHECK(q.submit(3, 1, 1).queued());
  CAF_CHECK(q.submit(4, 1, 0).queued());
  auto low = q.submit(5, 1, 1);
  CAF_REQUIRE(low.rejected());
  CAF_CHECK(*low.reason == rejection_reason::tenant_queue_full);
  CAF_CHECK(!low.shed.has_value());
  clk.advance(2s);
  auto high = q.submit(6, 1, 0);
  CAF_CHECK(high.queued());
  CAF_REQUIRE(high.shed.has_value());
  CAF_CHECK_EQUAL(high.shed->request, 3u); // the newest of the lowest class
  CAF_CHECK_EQUAL(high.shed->tenant, 1u);
  CAF_CHECK_EQUAL(high.shed->priority, 1u);
  CAF_CHECK(high.shed->waited == 2s);
  CAF_CHECK_EQUAL(to_string(high.shed->reason),
                  std::string{"shed_for_higher_priority"});
  CAF_CHECK(q.state(3) == request_state::unknown);
  auto high2 = q.submit(7, 1, 0);
  CAF_REQUIRE(high2.shed.has_value());
  CAF_CHECK_EQUAL(high2.shed->request, 2u);
  auto high3 = q.submit(8, 1, 0);
  CAF_REQUIRE(high3.rejected());
  CAF_CHECK_EQUAL(to_string(*high3.reason), std::string{"tenant_queue_full"});
  CAF_CHECK_EQUAL(q.queued(1), 3u);
  CAF_CHECK_EQUAL(q.queued(1, 0), 3u);
  CAF_CHECK_EQUAL(q.queued(1, 1), 0u);
}

CAF_TEST(a full global queue sheds from the tenant with the most queued) {
  admission q{two_classes(1, 5), clk};
  for (std::uint64_t t = 1; t <= 4; ++t)
    set(q, t, limits(10, 10));
  CAF_CHECK(q.submit(1, 4, 0).admitted());
  CAF_CHECK(q.submit(11, 1, 1).queued());
  CAF_CHECK(q.submit(12, 1, 1).queued());
  CAF_CHECK(q.submit(13, 1, 1).queued());
  CAF_CHECK(q.submit(21, 2, 1).queued());
  CAF_CHECK(q.submit(22, 2, 1).queued());
  auto low = q.submit(31, 3, 1);
  CAF_REQUIRE(low.rejected());
  CAF_CHECK(*low.reason == rejection_reason::global_queue_full);
  auto high = q.submit(32, 3, 0);
  CAF_CHECK(high.queued());
  CAF_REQUIRE(high.shed.has_value());
  CAF_CHECK_EQUAL(high.shed->request, 13u); // tenant 1 had the most queued
  CAF_CHECK_EQUAL(high.shed->tenant, 1u);
  auto again = q.submit(33, 3, 0);
  CAF_REQUIRE(again.shed.has_value());
  // Tenants 1 and 2 now tie at two: either gives up its newest.
  CAF_CHECK(again.shed->request == 12u || again.shed->request == 22u);
  CAF_CHECK_EQUAL(q.queued_total(), 5u);
  CAF_CHECK_EQUAL(q.queue_depth(0), 2u);
  CAF_CHECK_EQUAL(q.queue_depth(1), 3u);
}

CAF_TEST(a zero queue cap rejects every run that cannot start at once) {
  admission q{single_class(1, 0), clk};
  set(q, 1, limits(5, 5));
  set(q, 2, limits(5, 0));
  CAF_CHECK(q.submit(1, 1, 0).admitted());
  auto global = q.submit(2, 1, 0);
  CAF_REQUIRE(global.rejected());
  CAF_CHECK(*global.reason == rejection_reason::global_queue_full);
  auto tenant = q.submit(3, 2, 0);
  CAF_REQUIRE(tenant.rejected());
  CAF_CHECK(*tenant.reason == rejection_reason::tenant_queue_full);
}

CAF_TEST(the oldest waiting age follows the clock) {
  admission q{two_classes(1, 100), clk};
  set(q, 1, limits(10, 100));
  set(q, 2, limits(10, 100));
  CAF_CHECK(q.oldest_waiting_age(1) == 0ns);
  CAF_CHECK(q.submit(1, 1, 1).admitted());
  CAF_CHECK(q.submit(2, 1, 1).queued());
  clk.advance(3s);
  CAF_CHECK(q.submit(3, 2, 1).queued());
  clk.advance(1s);
  CAF_CHECK(q.oldest_waiting_age(1) == 4s);
  CAF_CHECK(q.oldest_waiting_age(0) == 0ns);
  CAF_CHECK(q.oldest_waiting_age(9) == 0ns);
  std::vector<admitted_run> none;
  CAF_CHECK(q.cancel(2, none) == cancel_outcome::dequeued);
  CAF_CHECK(q.oldest_waiting_age(1) == 1s);
  clk.advance(500ms);
  CAF_CHECK(q.oldest_waiting_age(1) == 1500ms);
  CAF_CHECK_EQUAL(ids(release(q, 1)), std::vector<std::uint64_t>{3});
  CAF_CHECK(q.oldest_waiting_age(1) == 0ns);
}

CAF_TEST(cancel removes a queued run or releases a running one) {
  admission q{single_class(1), clk};
  set(q, 1, limits(10, 10));
  CAF_CHECK(q.submit(1, 1, 0).admitted());
  CAF_CHECK(q.submit(2, 1, 0).queued());
  CAF_CHECK(q.submit(3, 1, 0).queued());
  out.clear();
  CAF_CHECK(q.cancel(2, out) == cancel_outcome::dequeued);
  CAF_CHECK(out.empty());
  CAF_CHECK(q.state(2) == request_state::unknown);
  CAF_CHECK(!q.release(3, out)); // queued runs are not released
  CAF_CHECK(q.state(3) == request_state::queued);
  CAF_CHECK(q.cancel(1, out) == cancel_outcome::released);
  CAF_CHECK_EQUAL(ids(out), std::vector<std::uint64_t>{3});
  CAF_CHECK(q.cancel(1, out) == cancel_outcome::unknown_request);
  CAF_CHECK_EQUAL(q.queued_total(), 0u);
  CAF_CHECK_EQUAL(q.in_flight_total(), 1u);
}

CAF_TEST(duplicate ids and unknown tenants and priorities are rejected) {
  admission q{single_class(1), clk};
  set(q, 1, limits(10, 10));
  CAF_CHECK(q.submit(1, 1, 0).admitted());
  CAF_CHECK(q.submit(2, 1, 0).queued());
  auto running_dup = q.submit(1, 1, 0);
  CAF_REQUIRE(running_dup.rejected());
  CAF_CHECK(*running_dup.reason == rejection_reason::duplicate_request);
  auto queued_dup = q.submit(2, 1, 0);
  CAF_REQUIRE(queued_dup.rejected());
  CAF_CHECK(*queued_dup.reason == rejection_reason::duplicate_request);
  auto stranger = q.submit(3, 42, 0);
  CAF_REQUIRE(stranger.rejected());
  CAF_CHECK(*stranger.reason == rejection_reason::unknown_tenant);
  auto bad_class = q.submit(4, 1, 1);
  CAF_REQUIRE(bad_class.rejected());
  CAF_CHECK(*bad_class.reason == rejection_reason::unknown_priority);
  CAF_CHECK_EQUAL(q.queued_total(), 1u);
  // An id may be used again once its run is gone.
  CAF_CHECK_EQUAL(ids(release(q, 1)), std::vector<std::uint64_t>{2});
  CAF_CHECK(q.submit(1, 1, 0).queued());
}

CAF_TEST(a tenant is removed only when it has nothing queued or running) {
  admission q{single_class(1), clk};
  set(q, 1, limits(10, 10));
  CAF_CHECK(q.submit(1, 1, 0).admitted());
  CAF_CHECK(!q.remove_tenant(1));
  CAF_CHECK(release(q, 1).empty());
  CAF_CHECK(q.remove_tenant(1));
  CAF_CHECK(!q.has_tenant(1));
  CAF_CHECK_EQUAL(q.tenant_count(), 0u);
  auto gone = q.submit(2, 1, 0);
  CAF_REQUIRE(gone.rejected());
  CAF_CHECK(*gone.reason == rejection_reason::unknown_tenant);
  set(q, 5, limits(1, 1)); // reuses the freed slot
  CAF_CHECK(q.submit(3, 5, 0).admitted());
  CAF_CHECK_EQUAL(q.in_flight(5), 1u);
  CAF_CHECK_EQUAL(q.in_flight(1), 0u);
}

CAF_TEST(a yielded run frees its slot and gets one back ahead of new runs) {
  admission q{single_class(10), clk};
  set(q, 7, limits(1, 10));
  CAF_CHECK(q.submit(1, 7, 0).admitted());
  CAF_CHECK(q.submit(2, 7, 0).queued());
  // Run 1 waits for others: its slot goes to run 2.
  out.clear();
  CAF_CHECK(q.yield(1, out));
  CAF_CHECK_EQUAL(ids(out), std::vector<std::uint64_t>{2});
  CAF_CHECK(q.state(1) == request_state::yielded);
  CAF_CHECK_EQUAL(q.in_flight(7), 1u);
  CAF_CHECK_EQUAL(q.in_flight_total(), 1u);
  out.clear();
  CAF_CHECK(!q.yield(1, out)); // not running
  // Its wait is over, the tenant is at its cap: it waits, ahead of run 3,
  // which came first.
  CAF_CHECK(q.submit(3, 7, 0).queued());
  clk.advance(5ms);
  CAF_CHECK(q.reclaim(1) == reclaim_outcome::queued);
  CAF_CHECK(q.state(1) == request_state::queued);
  CAF_CHECK(q.reclaim(1) == reclaim_outcome::unknown_request);
  clk.advance(2ms);
  auto in = release(q, 2);
  CAF_REQUIRE_EQUAL(in.size(), 1u);
  CAF_CHECK_EQUAL(in[0].request, 1u);
  CAF_CHECK(in[0].reclaimed);
  CAF_CHECK(in[0].waited == 2ms);
  in = release(q, 1);
  CAF_REQUIRE_EQUAL(in.size(), 1u);
  CAF_CHECK_EQUAL(in[0].request, 3u);
  CAF_CHECK(!in[0].reclaimed);
  // With room, a reclaim resumes at once.
  out.clear();
  CAF_CHECK(q.yield(3, out));
  CAF_CHECK(out.empty());
  CAF_CHECK(q.reclaim(3) == reclaim_outcome::resumed);
  CAF_CHECK(q.state(3) == request_state::running);
}

CAF_TEST(continuations leave before new runs of every tenant) {
  admission q{single_class(1), clk};
  set(q, 7, limits(5, 10));
  set(q, 8, limits(5, 10));
  CAF_CHECK(q.submit(1, 7, 0).admitted());
  CAF_CHECK(q.submit(2, 8, 0).queued());
  // A child of run 1's tree, submitted after run 2 of another tenant.
  CAF_CHECK(q.submit_continuation(3, 7, 0).queued());
  CAF_CHECK_EQUAL(q.queue_depth(0), 2u);
  CAF_CHECK_EQUAL(ids(release(q, 1)), std::vector<std::uint64_t>{3});
  CAF_CHECK_EQUAL(ids(release(q, 3)), std::vector<std::uint64_t>{2});
}

CAF_TEST(continuations share by weight and follow strict priority) {
  admission q{two_classes(1, 100), clk};
  set(q, 7, limits(5, 10, 2));
  set(q, 8, limits(5, 10, 1));
  CAF_CHECK(q.submit(1, 9, 0).rejected()); // unknown tenant
  set(q, 9, limits(5, 10));
  CAF_CHECK(q.submit(1, 9, 0).admitted());
  for (std::uint64_t id = 10; id < 16; ++id)
    CAF_CHECK(q.submit_continuation(id, 7, 1).queued());
  for (std::uint64_t id = 20; id < 26; ++id)
    CAF_CHECK(q.submit_continuation(id, 8, 1).queued());
  // A new run of the higher class goes before every continuation of the
  // lower one.
  CAF_CHECK(q.submit(30, 9, 0).queued());
  std::vector<std::uint64_t> order;
  std::uint64_t running = 1;
  for (int i = 0; i < 7; ++i) {
    auto in = release(q, running);
    CAF_REQUIRE_EQUAL(in.size(), 1u);
    running = in[0].request;
    order.push_back(running);
  }
  // Tenant 7 has weight 2, tenant 8 weight 1.
  CAF_CHECK_EQUAL(order,
                  (std::vector<std::uint64_t>{30, 10, 11, 20, 12, 13, 21}));
}

CAF_TEST(continuations are never refused for a full queue nor shed) {
  admission q{two_classes(1, 1), clk};
  set(q, 7, limits(1, 0));
  set(q, 8, limits(1, 5));
  CAF_CHECK(q.submit(1, 7, 0).admitted());
  // Tenant 7's queue cap is 0: new runs are refused, continuations wait.
  CAF_CHECK(*q.submit(2, 7, 1).reason == rejection_reason::tenant_queue_full);
  CAF_CHECK(q.submit_continuation(3, 7, 1).queued());
  CAF_CHECK(q.submit_continuation(4, 7, 1).queued());
  // The global queue cap (1) counts new runs only.
  CAF_CHECK(q.submit(5, 8, 1).queued());
  auto high = q.submit(6, 8, 0);
  CAF_CHECK(high.queued());
  CAF_REQUIRE(high.shed.has_value());
  CAF_CHECK_EQUAL(high.shed->request, 5u); // a new run, not a continuation
  CAF_CHECK_EQUAL(q.queued_total(), 3u);
  CAF_CHECK(q.submit_continuation(3, 7, 1).rejected()); // a duplicate
  CAF_CHECK(*q.submit_continuation(9, 7, 2).reason ==
            rejection_reason::unknown_priority);
}

CAF_TEST(a paused tenant queues its new runs and others go past them) {
  admission q{single_class(10), clk};
  set(q, 7, limits(2, 3));
  set(q, 8, limits(2, 3));
  CAF_CHECK(q.pause(7));
  CAF_CHECK(q.paused(7));
  CAF_CHECK(!q.paused(8));
  // Room everywhere, yet tenant 7's runs wait; tenant 8's start.
  CAF_CHECK(q.submit(1, 7, 0).queued());
  CAF_CHECK(q.submit(2, 7, 0).queued());
  CAF_CHECK(q.submit(3, 8, 0).admitted());
  CAF_CHECK(q.submit(4, 8, 0).admitted());
  CAF_CHECK(q.submit(5, 8, 0).queued()); // tenant 8 is at its cap
  CAF_CHECK_EQUAL(q.in_flight(7), 0u);
  CAF_CHECK_EQUAL(q.queued(7), 2u);
  // Tenant 8's queued run goes past tenant 7's older ones.
  CAF_CHECK_EQUAL(ids(release(q, 3)), std::vector<std::uint64_t>{5});
  // The queue cap still bounds a paused tenant's runs.
  CAF_CHECK(q.submit(6, 7, 0).queued());
  auto full = q.submit(9, 7, 0);
  CAF_REQUIRE(full.rejected());
  CAF_CHECK(*full.reason == rejection_reason::tenant_queue_full);
}

CAF_TEST(resuming a tenant dispatches its queued runs at once in fifo order) {
  admission q{single_class(3), clk};
  set(q, 7, limits(5, 10));
  set(q, 8, limits(5, 10));
  CAF_CHECK(q.pause(7));
  for (std::uint64_t id = 1; id <= 4; ++id)
    CAF_CHECK(q.submit(id, 7, 0).queued());
  CAF_CHECK(q.submit(10, 8, 0).admitted());
  clk.advance(2s);
  out.clear();
  CAF_CHECK(q.resume(7, out));
  CAF_CHECK(!q.paused(7));
  // Two slots of the global cap (3) are free: the two oldest leave.
  CAF_CHECK_EQUAL(ids(out), (std::vector<std::uint64_t>{1, 2}));
  CAF_REQUIRE_EQUAL(out.size(), 2u);
  CAF_CHECK(out[0].waited == duration{2s});
  // The rest keep their place and take turns with tenant 8 as always.
  CAF_CHECK(q.submit(11, 8, 0).queued());
  CAF_CHECK_EQUAL(ids(release(q, 10)), std::vector<std::uint64_t>{3});
  CAF_CHECK_EQUAL(ids(release(q, 1)), std::vector<std::uint64_t>{11});
  CAF_CHECK_EQUAL(ids(release(q, 2)), std::vector<std::uint64_t>{4});
}

CAF_TEST(a paused tenant still admits continuations and reclaims) {
  admission q{single_class(10), clk};
  set(q, 7, limits(2, 10));
  CAF_CHECK(q.submit(1, 7, 0).admitted());
  CAF_CHECK(q.pause(7));
  // A child of run 1's tree is admitted; a new root waits.
  CAF_CHECK(q.submit_continuation(2, 7, 0).admitted());
  CAF_CHECK(q.submit(3, 7, 0).queued());
  // At the cap, the next child queues ahead of the root and goes first.
  CAF_CHECK(q.submit_continuation(4, 7, 0).queued());
  CAF_CHECK_EQUAL(ids(release(q, 2)), std::vector<std::uint64_t>{4});
  // The parent gives its slot back and gets it again while paused.
  out.clear();
  CAF_CHECK(q.yield(1, out));
  CAF_CHECK(out.empty()); // the root stays held
  CAF_CHECK(q.reclaim(1) == reclaim_outcome::resumed);
  CAF_CHECK(q.state(3) == request_state::queued);
}

CAF_TEST(pausing is idempotent and names only known tenants) {
  admission q{single_class(1), clk};
  CAF_CHECK(!q.pause(7));
  out.clear();
  CAF_CHECK(!q.resume(7, out));
  CAF_CHECK(!q.paused(7));
  set(q, 7, limits(1, 10));
  CAF_CHECK(q.pause(7));
  CAF_CHECK(q.pause(7));
  CAF_CHECK(q.submit(1, 7, 0).queued());
  // An idle paused tenant is kept, or its pause would be forgotten.
  out.clear();
  CAF_CHECK(q.cancel(1, out) == cancel_outcome::dequeued);
  CAF_CHECK(!q.remove_tenant(7));
  CAF_CHECK(q.paused(7));
  CAF_CHECK(q.resume(7, out));
  CAF_CHECK(q.resume(7, out));
  CAF_CHECK(out.empty());
  CAF_CHECK(q.remove_tenant(7));
}

CAF_TEST(release and cancel forget yielded and reclaiming runs) {
  admission q{single_class(2), clk};
  set(q, 7, limits(1, 10));
  CAF_CHECK(q.submit(1, 7, 0).admitted());
  out.clear();
  CAF_CHECK(q.yield(1, out));
  // A tenant with a yielded run is not forgotten.
  CAF_CHECK(!q.remove_tenant(7));
  CAF_CHECK(release(q, 1).empty());
  CAF_CHECK(q.state(1) == request_state::unknown);
  CAF_CHECK(q.remove_tenant(7));
  set(q, 7, limits(1, 10));
  CAF_CHECK(q.submit(2, 7, 0).admitted());
  CAF_CHECK(q.yield(2, out));
  CAF_CHECK(q.submit(3, 7, 0).admitted());
  CAF_CHECK(q.reclaim(2) == reclaim_outcome::queued);
  // Not running: release refuses; cancel withdraws it from the queue.
  CAF_CHECK_EQUAL(ids(release(q, 2)), std::vector<std::uint64_t>{~0ull});
  out.clear();
  CAF_CHECK(q.cancel(2, out) == cancel_outcome::released);
  CAF_CHECK_EQUAL(q.queued_total(), 0u);
  CAF_CHECK(q.yield(3, out));
  CAF_CHECK(q.cancel(3, out) == cancel_outcome::released);
  CAF_CHECK(q.remove_tenant(7));
}

CAF_TEST(config validation names reservations that leave no capacity) {
  CAF_CHECK(validate(admission_config{}).empty());
  auto bad = make_config(10, 10, {{"high", 6}, {"low", 4}});
  auto problems = validate(bad);
  CAF_REQUIRE_EQUAL(problems.size(), 1u);
  CAF_CHECK_EQUAL(problems[0].key, std::string{"priorities"});
  CAF_CHECK(problems[0].message.find("global_cap 10") != std::string::npos);
  auto nameless = make_config(0, 10, {{"", 0}, {"a", 0}, {"a", 0}});
  CAF_CHECK_EQUAL(validate(nameless).size(), 3u);
  CAF_CHECK_EQUAL(validate(make_config(10, 10, {})).size(), 1u);
  auto threw = false;
  try {
    admission q{bad, clk};
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CAF_CHECK(threw);
  admission q{admission_config{}, clk};
  CAF_CHECK(q.priority_index("batch") == std::optional<std::size_t>{2});
  CAF_CHECK(!q.priority_index("bulk").has_value());
}

CAF_TEST(
    randomized operations keep every cap and agree with a reference model) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto pick = [&](std::uint64_t n) { return n == 0 ? 0 : rng() % n; };
  auto random_limits = [&] {
    return limits(static_cast<std::uint32_t>(pick(6)),
                  static_cast<std::uint32_t>(pick(8)),
                  static_cast<std::uint32_t>(1 + pick(5)));
  };
  int violations = 0;
  int sheds = 0;
  int dispatches = 0;
  int reclaims = 0;
  int held = 0; // checks that found a paused tenant's new run waiting
  for (int round = 0; round < 6; ++round) {
    auto classes = 1 + pick(4);
    admission_config cfg;
    cfg.global_cap = static_cast<std::uint32_t>(4 + pick(60));
    cfg.global_queue_cap =
        static_cast<std::uint32_t>(round == 5 ? pick(4) : pick(200));
    cfg.priorities.clear();
    for (std::size_t c = 0; c < classes; ++c)
      cfg.priorities.push_back(
          {"class" + std::to_string(c),
           static_cast<std::uint32_t>(pick(cfg.global_cap / (2 * classes)))});
    auto tenant_ids = 200 + pick(100);
    admission q{cfg, clk};
    model m{cfg, tenant_ids};
    for (std::uint64_t t = 0; t < tenant_ids; ++t)
      m.set_tenant(q, t, random_limits(), out, clk.now());
    std::uint64_t next_id = 1;
    auto random_run = [&]() -> std::uint64_t {
      if (m.runs.empty() || pick(10) == 0)
        return next_id + 1000; // unknown
      return std::next(m.runs.begin(), static_cast<long>(pick(m.runs.size())))
          ->first;
    };
    for (int step = 0; step < 5000; ++step) {
      clk.advance(std::chrono::microseconds{pick(1000)});
      auto now = clk.now();
      auto dice = pick(100);
      out.clear();
      if (dice < 35) {
        auto id = pick(20) == 0 ? random_run() : next_id++;
        m.submit(q, id, pick(tenant_ids + 5), pick(classes + (pick(20) == 0)),
                 now);
      } else if (dice < 45) {
        auto id = pick(20) == 0 ? random_run() : next_id++;
        m.submit_continuation(q, id, pick(tenant_ids + 5),
                              pick(classes + (pick(20) == 0)), now);
      } else if (dice < 52) {
        m.yield(q, random_run(), out, now);
      } else if (dice < 59) {
        m.reclaim(q, random_run(), now);
      } else if (dice < 77) {
        auto id = random_run();
        auto i = m.runs.find(id);
        bool admitted =
            i != m.runs.end() && i->second.state != model::where::queued;
        if (q.release(id, out) != admitted)
          ++m.violations;
        if (admitted)
          m.finish(id);
        m.admitted(out, now);
      } else if (dice < 92) {
        auto id = random_run();
        auto i = m.runs.find(id);
        auto want = i == m.runs.end()      ? cancel_outcome::unknown_request
                    : i->second.admitted() ? cancel_outcome::released
                                           : cancel_outcome::dequeued;
        if (q.cancel(id, out) != want)
          ++m.violations;
        if (want == cancel_outcome::released) {
          m.finish(id);
        } else if (want == cancel_outcome::dequeued) {
          m.dequeue(id);
          m.runs.erase(id);
        }
        m.admitted(out, now);
      } else if (dice < 95) {
        m.set_tenant(q, pick(tenant_ids), random_limits(), out, now);
      } else if (dice < 97) {
        // Pauses outnumber resumes a little, so that some tenants stay
        // paused for a while; ids past the last tenant are unknown.
        auto tenant = pick(tenant_ids + 5);
        if (pick(9) < 5)
          m.pause(q, tenant);
        else
          m.resume(q, tenant, out, now);
      } else {
        m.remove_tenant(q, pick(tenant_ids));
      }
      m.check(q, now);
      for (auto& t : m.tenants)
        if (t.paused && m.queued_of(&t - m.tenants.data()) > 0) {
          ++held;
          break;
        }
    }
    violations += m.violations;
    sheds += m.sheds;
    reclaims += m.reclaims;
    dispatches += m.dispatches;
  }
  CAF_MESSAGE(dispatches << " dispatches, " << sheds << " sheds, " << reclaims
                         << " slots reclaimed from the queue");
  CAF_MESSAGE(held << " steps with a paused tenant's new runs held");
  CAF_CHECK_GREATER(reclaims, 0);
  CAF_CHECK_GREATER(held, 0);
  CAF_CHECK_GREATER(sheds, 0);
  CAF_CHECK_GREATER(dispatches, 0);
  CAF_CHECK_EQUAL(violations, 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
