#define CAF_SUITE policies.fanout_limits
#include <map>
#include <random>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/clock.hpp"
#include "policies/fanout_limits.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;

namespace {

fanout_limits_config limits(std::uint32_t depth, std::uint32_t children,
                            std::uint32_t descendants) {
  fanout_limits_config cfg;
  cfg.max_depth = depth;
  cfg.max_children = children;
  cfg.max_descendants = descendants;
  return cfg;
}

} // namespace

CAF_TEST(a root may spawn children up to max_children live at once) {
  fanout_limits tree{limits(3, 2, 100), 1};
  CAF_CHECK(tree.spawn(1, 2).allowed());
  CAF_CHECK(tree.spawn(1, 3).allowed());
  auto third = tree.spawn(1, 4);
  CAF_REQUIRE(!third.allowed());
  CAF_CHECK(*third.refusal == fanout_refusal::children);
  CAF_CHECK(third.reason.find("max_children") != std::string::npos);
  CAF_CHECK_EQUAL(tree.live_children(1), 2u);
}

CAF_TEST(a finished child frees a slot of its parent but still counts
             as a descendant) {
  fanout_limits tree{limits(3, 1, 2), 1};
  CAF_CHECK(tree.spawn(1, 2).allowed());
  CAF_CHECK(!tree.check(1).allowed());
  tree.finish(2);
  CAF_CHECK_EQUAL(tree.live_children(1), 0u);
  CAF_CHECK(tree.spawn(1, 3).allowed());
  tree.finish(3);
  auto refused = tree.spawn(1, 4);
  CAF_REQUIRE(!refused.allowed());
  CAF_CHECK(*refused.refusal == fanout_refusal::descendants);
  CAF_CHECK(refused.reason.find("max_descendants") != std::string::npos);
  CAF_CHECK_EQUAL(tree.descendants(), 2u);
}

CAF_TEST(depth is refused one level below max_depth with the level named) {
  fanout_limits tree{limits(3, 8, 100), 1};
  CAF_CHECK(tree.spawn(1, 2).allowed()); // depth 2
  CAF_CHECK(tree.spawn(2, 3).allowed()); // depth 3
  CAF_CHECK(tree.depth(3) == std::optional<std::uint32_t>{3});
  auto refused = tree.spawn(3, 4);
  CAF_REQUIRE(!refused.allowed());
  CAF_CHECK(*refused.refusal == fanout_refusal::depth);
  CAF_CHECK(refused.reason.find("depth 4") != std::string::npos);
  CAF_CHECK(refused.reason.find("max_depth 3") != std::string::npos);
}

CAF_TEST(a max_depth of one forbids any child) {
  fanout_limits tree{limits(1, 8, 100), 7};
  auto refused = tree.check(7);
  CAF_REQUIRE(!refused.allowed());
  CAF_CHECK(*refused.refusal == fanout_refusal::depth);
}

CAF_TEST(unknown parents and duplicate children are refused) {
  fanout_limits tree{limits(3, 8, 100), 1};
  auto unknown = tree.spawn(42, 2);
  CAF_REQUIRE(!unknown.allowed());
  CAF_CHECK(*unknown.refusal == fanout_refusal::unknown_parent);
  CAF_CHECK(tree.spawn(1, 2).allowed());
  auto duplicate = tree.spawn(1, 2);
  CAF_REQUIRE(!duplicate.allowed());
  CAF_CHECK(*duplicate.refusal == fanout_refusal::duplicate_child);
  CAF_CHECK_EQUAL(tree.descendants(), 1u);
  tree.finish(1);
  auto orphaned = tree.spawn(1, 3);
  CAF_CHECK(!orphaned.allowed());
  tree.finish(99); // unknown ids are ignored
  CAF_CHECK_EQUAL(tree.live_nodes(), 1u);
}

CAF_TEST(check does not record anything) {
  fanout_limits tree{limits(3, 1, 1), 1};
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(tree.check(1).allowed());
  CAF_CHECK_EQUAL(tree.descendants(), 0u);
  CAF_CHECK_EQUAL(tree.live_children(1), 0u);
}

CAF_TEST(randomized spawns and finishes never break any limit) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  random_engine rng{seed};
  auto wrong_decisions = 0;
  auto violations = 0;
  for (int round = 0; round < 50; ++round) {
    auto cfg = limits(static_cast<std::uint32_t>(1 + rng() % 5),
                      static_cast<std::uint32_t>(1 + rng() % 4),
                      static_cast<std::uint32_t>(1 + rng() % 40));
    fanout_limits tree{cfg, 0};
    // A model of the tree: node -> (parent, depth), live nodes only.
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>> live{
        {0, {0, 1}}};
    std::uint64_t next_id = 1;
    std::uint32_t spawned = 0;
    for (int step = 0; step < 400 && !live.empty(); ++step) {
      auto pick = live.begin();
      std::advance(pick, static_cast<long>(rng() % live.size()));
      if (rng() % 3 != 0) {
        auto parent = pick->first;
        auto children = 0u;
        for (auto& kv : live)
          if (kv.first != 0 && kv.second.first == parent)
            ++children;
        bool expect_ok = pick->second.second + 1 <= cfg.max_depth &&
                         children < cfg.max_children &&
                         spawned < cfg.max_descendants;
        auto decision = tree.spawn(parent, next_id);
        if (decision.allowed() != expect_ok)
          ++wrong_decisions;
        if (decision.allowed()) {
          live.emplace(next_id,
                       std::make_pair(parent, pick->second.second + 1));
          ++spawned;
        }
        ++next_id;
      } else if (pick->first != 0) {
        tree.finish(pick->first);
        live.erase(pick);
      }
      if (tree.descendants() != spawned || spawned > cfg.max_descendants)
        ++violations;
      for (auto& kv : live)
        if (tree.depth(kv.first).value_or(0) > cfg.max_depth ||
            tree.live_children(kv.first) > cfg.max_children)
          ++violations;
    }
  }
  CAF_CHECK_EQUAL(wrong_decisions, 0);
  CAF_CHECK_EQUAL(violations, 0);
}
