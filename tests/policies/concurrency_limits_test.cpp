#define CAF_SUITE policies.concurrency_limits
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/clock.hpp"
#include "policies/concurrency_limits.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;

namespace {

concurrency_limits_config sized(std::uint32_t model, std::uint32_t tool,
                                std::uint32_t global) {
  concurrency_limits_config cfg;
  cfg.max_model_streams = model;
  cfg.max_tool_calls = tool;
  cfg.max_global = global;
  return cfg;
}

constexpr auto model = permit_kind::model_stream;
constexpr auto tool = permit_kind::tool_call;

} // namespace

// -- permit -------------------------------------------------------------------

CAF_TEST(permits are move only and a default permit holds nothing) {
  static_assert(!std::is_copy_constructible_v<permit>);
  static_assert(!std::is_copy_assignable_v<permit>);
  static_assert(std::is_nothrow_move_constructible_v<permit>);
  static_assert(std::is_nothrow_move_assignable_v<permit>);
  static_assert(!std::is_copy_constructible_v<permit_pool>);
  static_assert(!std::is_move_constructible_v<permit_pool>);
  static_assert(!std::is_copy_constructible_v<concurrency_limits>);
  static_assert(!std::is_move_constructible_v<concurrency_limits>);
  permit empty;
  CAF_CHECK(!empty.held());
  CAF_CHECK(!static_cast<bool>(empty));
  empty.release(); // a no-op
  CAF_CHECK(!empty.held());
}

// -- permit_pool --------------------------------------------------------------

CAF_TEST(a pool grants up to its capacity and refuses the next) {
  permit_pool pool{2};
  auto a = pool.try_acquire();
  auto b = pool.try_acquire();
  auto c = pool.try_acquire();
  CAF_CHECK(a.held());
  CAF_CHECK(b.held());
  CAF_CHECK(!c.held());
  CAF_CHECK_EQUAL(pool.in_use(), 2u);
  CAF_CHECK_EQUAL(pool.available(), 0u);
  CAF_CHECK_EQUAL(pool.capacity(), 2u);
}

CAF_TEST(a pool permit returns its slot on destruction) {
  permit_pool pool{1};
  {
    auto a = pool.try_acquire();
    CAF_CHECK(a.held());
    CAF_CHECK_EQUAL(pool.in_use(), 1u);
  }
  CAF_CHECK_EQUAL(pool.in_use(), 0u);
  CAF_CHECK(pool.try_acquire().held());
  CAF_CHECK_EQUAL(pool.in_use(), 0u); // the temporary released at once
}

CAF_TEST(
    an explicit release returns the slot once and destruction adds nothing) {
  permit_pool pool{3};
  auto a = pool.try_acquire();
  auto b = pool.try_acquire();
  CAF_CHECK_EQUAL(pool.in_use(), 2u);
  {
    auto c = pool.try_acquire();
    c.release();
    CAF_CHECK(!c.held());
    CAF_CHECK_EQUAL(pool.in_use(), 2u);
    c.release();
    c.release();
    CAF_CHECK_EQUAL(pool.in_use(), 2u);
  }
  CAF_CHECK_EQUAL(pool.in_use(), 2u);
  a.release();
  CAF_CHECK_EQUAL(pool.in_use(), 1u);
  b.release();
  CAF_CHECK_EQUAL(pool.in_use(), 0u);
}

CAF_TEST(a moved from pool permit releases nothing) {
  permit_pool pool{2};
  auto a = pool.try_acquire();
  permit b{std::move(a)};
  CAF_CHECK(!a.held());
  CAF_CHECK(b.held());
  a.release();
  CAF_CHECK_EQUAL(pool.in_use(), 1u);
  permit c;
  c = std::move(b);
  CAF_CHECK(!b.held());
  CAF_CHECK(c.held());
  CAF_CHECK_EQUAL(pool.in_use(), 1u);
  // Self-move keeps the permit (through an alias: clang's -Wself-move
  // rejects the direct form).
  auto& alias = c;
  c = std::move(alias);
  CAF_CHECK(c.held());
  CAF_CHECK_EQUAL(pool.in_use(), 1u);
  c.release();
  CAF_CHECK_EQUAL(pool.in_use(), 0u);
}

CAF_TEST(move assigning over a held permit releases the overwritten one) {
  permit_pool pool{2};
  auto a = pool.try_acquire();
  auto b = pool.try_acquire();
  CAF_CHECK_EQUAL(pool.in_use(), 2u);
  a = std::move(b);
  CAF_CHECK_EQUAL(pool.in_use(), 1u);
  CAF_CHECK(a.held());
  CAF_CHECK(!b.held());
  CAF_CHECK(pool.try_acquire().held());
}

CAF_TEST(a pool of capacity zero grants nothing) {
  permit_pool pool{0};
  CAF_CHECK(!pool.try_acquire().held());
  CAF_CHECK_EQUAL(pool.in_use(), 0u);
  CAF_CHECK_EQUAL(pool.available(), 0u);
}

CAF_TEST(lowering a pool capacity revokes nothing but refuses until enough
             permits return ) {
  permit_pool pool{3};
  std::vector<permit> held;
  for (int i = 0; i < 3; ++i)
    held.push_back(pool.try_acquire());
  pool.set_capacity(1);
  CAF_CHECK_EQUAL(pool.in_use(), 3u);
  CAF_CHECK_EQUAL(pool.available(), 0u);
  held.pop_back();
  CAF_CHECK(!pool.try_acquire().held());
  held.pop_back();
  CAF_CHECK(!pool.try_acquire().held());
  held.pop_back();
  auto again = pool.try_acquire();
  CAF_CHECK(again.held());
  CAF_CHECK(!pool.try_acquire().held());
  pool.set_capacity(2);
  CAF_CHECK_EQUAL(pool.available(), 1u);
}

// -- concurrency_limits -------------------------------------------------------

CAF_TEST(a granted permit takes one slot of its kind and one global slot) {
  concurrency_limits limits{sized(4, 4, 6)};
  auto d = limits.try_acquire(model);
  CAF_CHECK(d.granted());
  CAF_CHECK(!d.full_layer.has_value());
  CAF_CHECK(d.reason.empty());
  CAF_CHECK_EQUAL(limits.in_use(model), 1u);
  CAF_CHECK_EQUAL(limits.in_use(tool), 0u);
  CAF_CHECK_EQUAL(limits.in_use_global(), 1u);
  CAF_CHECK_EQUAL(limits.available(model), 3u);
  CAF_CHECK_EQUAL(limits.available(tool), 4u);
  CAF_CHECK_EQUAL(limits.available_global(), 5u);
  auto p = std::move(d.grant);
  CAF_CHECK(!d.granted());
  CAF_CHECK_EQUAL(limits.in_use_global(), 1u);
  p.release();
  CAF_CHECK_EQUAL(limits.in_use(model), 0u);
  CAF_CHECK_EQUAL(limits.in_use_global(), 0u);
}

CAF_TEST(a full kind layer refuses with that layer named and takes nothing) {
  concurrency_limits limits{sized(2, 5, 10)};
  auto a = limits.try_acquire(model);
  auto b = limits.try_acquire(model);
  auto c = limits.try_acquire(model);
  CAF_REQUIRE(!c.granted());
  CAF_CHECK(c.full_layer ==
            std::optional<permit_layer>{permit_layer::model_streams});
  CAF_CHECK(c.reason.find("model_streams") != std::string::npos);
  CAF_CHECK(c.reason.find("max_model_streams") != std::string::npos);
  CAF_CHECK(c.reason.find('2') != std::string::npos);
  CAF_CHECK_EQUAL(limits.in_use(model), 2u);
  CAF_CHECK_EQUAL(limits.in_use_global(), 2u);
  CAF_CHECK_EQUAL(limits.available(model), 0u);
}

CAF_TEST(a full tool layer is reported as tool_calls) {
  concurrency_limits limits{sized(5, 1, 10)};
  auto a = limits.try_acquire(tool);
  auto b = limits.try_acquire(tool);
  CAF_REQUIRE(!b.granted());
  CAF_CHECK(b.full_layer ==
            std::optional<permit_layer>{permit_layer::tool_calls});
  CAF_CHECK(b.reason.find("max_tool_calls") != std::string::npos);
  CAF_CHECK_EQUAL(limits.in_use(tool), 1u);
  CAF_CHECK_EQUAL(limits.in_use_global(), 1u);
}

CAF_TEST(a full global layer refuses every kind and takes no kind slot) {
  concurrency_limits limits{sized(3, 3, 4)};
  auto m1 = limits.try_acquire(model);
  auto m2 = limits.try_acquire(model);
  auto t1 = limits.try_acquire(tool);
  auto t2 = limits.try_acquire(tool);
  CAF_CHECK_EQUAL(limits.in_use_global(), 4u);
  auto m3 = limits.try_acquire(model);
  auto t3 = limits.try_acquire(tool);
  CAF_REQUIRE(!m3.granted());
  CAF_REQUIRE(!t3.granted());
  CAF_CHECK(m3.full_layer == std::optional<permit_layer>{permit_layer::global});
  CAF_CHECK(t3.full_layer == std::optional<permit_layer>{permit_layer::global});
  CAF_CHECK(m3.reason.find("max_global") != std::string::npos);
  CAF_CHECK_EQUAL(limits.in_use(model), 2u);
  CAF_CHECK_EQUAL(limits.in_use(tool), 2u);
  CAF_CHECK_EQUAL(limits.available(model), 0u);
  CAF_CHECK_EQUAL(limits.available(tool), 0u);
  t1.grant.release();
  CAF_CHECK_EQUAL(limits.available(model), 1u);
  CAF_CHECK(limits.try_acquire(model).granted());
}

CAF_TEST(when both layers are full the kind layer is reported) {
  concurrency_limits limits{sized(1, 1, 1)};
  auto m = limits.try_acquire(model);
  auto again = limits.try_acquire(model);
  CAF_REQUIRE(!again.granted());
  CAF_CHECK(again.full_layer ==
            std::optional<permit_layer>{permit_layer::model_streams});
  auto t = limits.try_acquire(tool);
  CAF_REQUIRE(!t.granted());
  CAF_CHECK(t.full_layer == std::optional<permit_layer>{permit_layer::global});
}

CAF_TEST(releasing a governed permit returns both slots exactly once) {
  concurrency_limits limits{sized(2, 2, 3)};
  {
    auto d = limits.try_acquire(tool);
    auto p = std::move(d.grant);
    permit q{std::move(p)};
    CAF_CHECK_EQUAL(limits.in_use(tool), 1u);
    CAF_CHECK_EQUAL(limits.in_use_global(), 1u);
    q.release();
    q.release();
    p.release();
    CAF_CHECK_EQUAL(limits.in_use(tool), 0u);
    CAF_CHECK_EQUAL(limits.in_use_global(), 0u);
  }
  CAF_CHECK_EQUAL(limits.in_use(tool), 0u);
  CAF_CHECK_EQUAL(limits.in_use_global(), 0u);
}

CAF_TEST(a discarded decision releases its permit at once) {
  concurrency_limits limits{sized(1, 1, 2)};
  static_cast<void>(limits.try_acquire(model));
  CAF_CHECK_EQUAL(limits.in_use(model), 0u);
  CAF_CHECK_EQUAL(limits.in_use_global(), 0u);
}

CAF_TEST(a burst of model streams cannot starve tool calls) {
  // Each kind may take at most 6 of the 8 global slots: 2 stay for the other.
  concurrency_limits limits{sized(6, 6, 8)};
  std::vector<permit> streams;
  for (int i = 0; i < 100; ++i) {
    auto d = limits.try_acquire(model);
    if (d.granted())
      streams.push_back(std::move(d.grant));
  }
  CAF_CHECK_EQUAL(streams.size(), 6u);
  CAF_CHECK_EQUAL(limits.available(model), 0u);
  CAF_CHECK_EQUAL(limits.available(tool), 2u);
  auto t1 = limits.try_acquire(tool);
  auto t2 = limits.try_acquire(tool);
  CAF_CHECK(t1.granted());
  CAF_CHECK(t2.granted());
  CAF_CHECK(!limits.try_acquire(tool).granted());
}

CAF_TEST(a burst of tool calls cannot starve model streams) {
  concurrency_limits limits{sized(3, 5, 6)};
  std::vector<permit> calls;
  for (int i = 0; i < 50; ++i) {
    auto d = limits.try_acquire(tool);
    if (d.granted())
      calls.push_back(std::move(d.grant));
  }
  CAF_CHECK_EQUAL(calls.size(), 5u);
  CAF_CHECK(limits.try_acquire(model).granted());
}

CAF_TEST(layer names are stable) {
  CAF_CHECK_EQUAL(std::string{to_string(permit_kind::model_stream)},
                  "model_stream");
  CAF_CHECK_EQUAL(std::string{to_string(permit_kind::tool_call)}, "tool_call");
  CAF_CHECK_EQUAL(std::string{to_string(permit_layer::model_streams)},
                  "model_streams");
  CAF_CHECK_EQUAL(std::string{to_string(permit_layer::tool_calls)},
                  "tool_calls");
  CAF_CHECK_EQUAL(std::string{to_string(permit_layer::global)}, "global");
}

CAF_TEST(
    the default config leaves each kind a reserved share of the global layer) {
  concurrency_limits_config cfg;
  CAF_CHECK_EQUAL(cfg.max_global, 4096u);
  CAF_CHECK(cfg.max_model_streams < cfg.max_global);
  CAF_CHECK(cfg.max_tool_calls < cfg.max_global);
  concurrency_limits limits{cfg};
  std::vector<permit> held;
  for (;;) {
    auto d = limits.try_acquire(model);
    if (!d.granted())
      break;
    held.push_back(std::move(d.grant));
  }
  CAF_CHECK_EQUAL(held.size(), 3072u);
  CAF_CHECK_EQUAL(limits.available(tool), 1024u);
}

// -- randomized properties ----------------------------------------------------

CAF_TEST(randomized acquire release and move sequences never exceed a
             layer and release every permit exactly once) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto wrong_decisions = 0;
  auto violations = 0;
  auto leaks = 0;
  for (int round = 0; round < 40; ++round) {
    auto cfg = sized(static_cast<std::uint32_t>(rng() % 8),
                     static_cast<std::uint32_t>(rng() % 8),
                     static_cast<std::uint32_t>(rng() % 12));
    {
      concurrency_limits limits{cfg};
      // Slots of permits and, in parallel, the kind each one should hold.
      std::vector<permit> slots(16);
      std::vector<std::optional<permit_kind>> model_of(16);
      auto count = [&](std::optional<permit_kind> k) {
        std::uint32_t n = 0;
        for (auto& x : model_of)
          if (x && (!k || *x == *k))
            ++n;
        return n;
      };
      for (int step = 0; step < 600; ++step) {
        auto i = static_cast<std::size_t>(rng() % slots.size());
        auto j = static_cast<std::size_t>(rng() % slots.size());
        switch (rng() % 6) {
        case 0:
        case 1: { // acquire into slot i (overwriting releases what it held)
          auto kind = rng() % 2 == 0 ? model : tool;
          auto cap = kind == model ? cfg.max_model_streams : cfg.max_tool_calls;
          // Overwriting slot i releases its permit, but only after the
          // decision: the new permit is granted against the old counts.
          bool expect =
              count(kind) < cap && count(std::nullopt) < cfg.max_global;
          auto d = limits.try_acquire(kind);
          if (d.granted() != expect)
            ++wrong_decisions;
          if (d.granted() == d.full_layer.has_value())
            ++wrong_decisions;
          slots[i] = std::move(d.grant);
          model_of[i] =
              expect ? std::optional<permit_kind>{kind} : std::nullopt;
          break;
        }
        case 2: // explicit release
          slots[i].release();
          model_of[i].reset();
          break;
        case 3: // destruction
          slots[i] = permit{};
          model_of[i].reset();
          break;
        case 4: // move-assign j into i
          slots[i] = std::move(slots[j]);
          if (i != j) {
            model_of[i] = model_of[j];
            model_of[j].reset();
          }
          break;
        case 5: { // move-construct out of i, then drop or put back
          permit tmp{std::move(slots[i])};
          if (rng() % 2 == 0) {
            slots[j] = std::move(tmp);
            if (i != j) {
              model_of[j] = model_of[i];
              model_of[i].reset();
            }
          } else {
            model_of[i].reset();
          }
          break;
        }
        }
        if (limits.in_use(model) > cfg.max_model_streams ||
            limits.in_use(tool) > cfg.max_tool_calls ||
            limits.in_use_global() > cfg.max_global)
          ++violations;
        if (limits.in_use(model) != count(model) ||
            limits.in_use(tool) != count(tool) ||
            limits.in_use_global() != count(std::nullopt))
          ++violations;
        if (limits.in_use_global() !=
            limits.in_use(model) + limits.in_use(tool))
          ++violations;
        for (std::size_t k = 0; k < slots.size(); ++k)
          if (slots[k].held() != model_of[k].has_value())
            ++violations;
      }
      slots.clear();
      if (limits.in_use(model) != 0 || limits.in_use(tool) != 0 ||
          limits.in_use_global() != 0)
        ++leaks;
    }
  }
  CAF_CHECK_EQUAL(wrong_decisions, 0);
  CAF_CHECK_EQUAL(violations, 0);
  CAF_CHECK_EQUAL(leaks, 0);
}

CAF_TEST(randomized bursts of one kind never starve the other when each kind
             layer leaves room in the global layer) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto starved = 0;
  for (int round = 0; round < 200; ++round) {
    auto global = static_cast<std::uint32_t>(2 + rng() % 30);
    auto model_cap = static_cast<std::uint32_t>(1 + rng() % (global - 1));
    auto tool_cap = static_cast<std::uint32_t>(1 + rng() % (global - 1));
    concurrency_limits limits{sized(model_cap, tool_cap, global)};
    auto burst_kind = rng() % 2 == 0 ? model : tool;
    auto other = burst_kind == model ? tool : model;
    auto other_cap = other == model ? model_cap : tool_cap;
    auto burst_cap = burst_kind == model ? model_cap : tool_cap;
    std::vector<permit> held;
    for (std::uint32_t i = 0; i < global * 3; ++i) {
      auto d = limits.try_acquire(burst_kind);
      if (d.granted())
        held.push_back(std::move(d.grant));
    }
    // The other kind always gets what its layer and the rest of global allow.
    auto expected = std::min(other_cap, global - burst_cap);
    std::uint32_t got = 0;
    for (std::uint32_t i = 0; i < global * 3; ++i) {
      auto d = limits.try_acquire(other);
      if (d.granted()) {
        held.push_back(std::move(d.grant));
        ++got;
      }
    }
    if (expected == 0 || got != expected)
      ++starved;
  }
  CAF_CHECK_EQUAL(starved, 0);
}

CAF_TEST(randomized pool operations match a counting model) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto violations = 0;
  for (int round = 0; round < 40; ++round) {
    auto cap = static_cast<std::uint32_t>(rng() % 10);
    permit_pool pool{cap};
    std::vector<permit> slots(12);
    for (int step = 0; step < 400; ++step) {
      auto i = static_cast<std::size_t>(rng() % slots.size());
      auto j = static_cast<std::size_t>(rng() % slots.size());
      std::uint32_t held = 0;
      for (auto& p : slots)
        held += p.held() ? 1u : 0u;
      switch (rng() % 4) {
      case 0: {
        auto p = pool.try_acquire();
        if (p.held() != (held < pool.capacity()))
          ++violations;
        slots[i] = std::move(p);
        break;
      }
      case 1:
        slots[i].release();
        break;
      case 2:
        slots[i] = std::move(slots[j]);
        break;
      case 3:
        pool.set_capacity(static_cast<std::uint32_t>(rng() % 10));
        break;
      }
      held = 0;
      for (auto& p : slots)
        held += p.held() ? 1u : 0u;
      if (pool.in_use() != held)
        ++violations;
    }
    slots.clear();
    if (pool.in_use() != 0)
      ++violations;
  }
  CAF_CHECK_EQUAL(violations, 0);
}
