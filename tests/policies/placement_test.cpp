#define CAF_SUITE policies.placement

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>

#include "policies/placement.hpp"
#include "tests/support/seed.hpp"

using namespace warden::policies;

namespace {

/// The owner's name of every slot.
std::vector<std::string> owner_names(const placement& p) {
  std::vector<std::string> names;
  names.reserve(id_layout::slots);
  for (std::uint32_t slot = 0; slot < id_layout::slots; ++slot) {
    auto owner = p.owner(slot);
    names.push_back(owner ? p.members()[*owner] : std::string{});
  }
  return names;
}

} // namespace

CAF_TEST(a single node ids are its counter) {
  auto one = compose_id({0, 0, 1});
  auto many = compose_id({0, 0, 123456});
  CAF_CHECK_EQUAL(one, 1u);
  CAF_CHECK_EQUAL(many, 123456u);
  auto parts = split_id(42);
  CAF_CHECK_EQUAL(parts.member, 0u);
  CAF_CHECK_EQUAL(parts.slot, 0u);
  CAF_CHECK_EQUAL(parts.counter, 42u);
}

CAF_TEST(ids split into the member slot and counter they were made of) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed " << seed);
  std::mt19937_64 rng{seed};
  for (int i = 0; i < 10'000; ++i) {
    id_parts x{static_cast<std::uint32_t>(rng() % id_layout::max_members),
               static_cast<std::uint32_t>(rng() % id_layout::slots),
               rng() & id_layout::max_counter};
    auto id = compose_id(x);
    auto y = split_id(id);
    CAF_REQUIRE_EQUAL(y.member, x.member);
    CAF_REQUIRE_EQUAL(y.slot, x.slot);
    CAF_REQUIRE_EQUAL(y.counter, x.counter);
    CAF_REQUIRE_EQUAL(slot_of(id), x.slot);
    CAF_REQUIRE_EQUAL(counter_of(id), x.counter);
  }
  // The top member and slot fill 53 bits exactly: ids stay exact as JSON
  // numbers.
  auto top = compose_id({31, 1023, id_layout::max_counter});
  CAF_CHECK_EQUAL(top, (std::uint64_t{1} << 53) - 1);
}

CAF_TEST(every slot has an owner and three members share them evenly) {
  placement p{{"a", "b", "c"}};
  std::size_t total = 0;
  for (std::size_t m = 0; m < 3; ++m) {
    auto n = p.slots_of(m);
    total += n;
    // 1024 / 3 = 341; rendezvous hashing keeps each within about 10 %.
    CAF_CHECK_GREATER(n, 300u);
    CAF_CHECK_LESS(n, 385u);
  }
  CAF_CHECK_EQUAL(total, id_layout::slots);
}

CAF_TEST(owners depend on names and not on the order of the list) {
  placement x{{"a", "b", "c"}};
  placement y{{"c", "a", "b"}};
  auto xs = owner_names(x);
  auto ys = owner_names(y);
  // Slot 0 aside: it is the first member's.
  CAF_CHECK(std::equal(xs.begin() + 1, xs.end(), ys.begin() + 1));
}

CAF_TEST(slot 0 holds a single node ids and stays with the first member) {
  placement p{{"a", "b", "c"}};
  auto owner = p.owner(0);
  CAF_REQUIRE(owner.has_value());
  CAF_CHECK_EQUAL(*owner, 0u);
  // New sessions never go there.
  for (std::uint64_t seed = 0; seed < 5000; ++seed) {
    auto slot = p.place(seed, [](std::size_t) { return true; });
    CAF_REQUIRE(slot.has_value());
    CAF_REQUIRE_NOT_EQUAL(*slot, 0u);
  }
  // Without the first member it is placed as any other slot.
  p.set_eligible({false, true, true});
  auto other = p.owner(0);
  CAF_REQUIRE(other.has_value());
  CAF_CHECK_NOT_EQUAL(*other, 0u);
}

CAF_TEST(losing a member moves only the slots it owned) {
  placement p{{"a", "b", "c", "d"}};
  auto before = owner_names(p);
  p.set_eligible({true, true, false, true});
  auto after = owner_names(p);
  std::size_t moved = 0;
  for (std::uint32_t slot = 0; slot < id_layout::slots; ++slot) {
    if (before[slot] == "c") {
      CAF_REQUIRE_NOT_EQUAL(after[slot], "c");
      CAF_REQUIRE(!after[slot].empty());
      ++moved;
    } else {
      CAF_REQUIRE_EQUAL(after[slot], before[slot]);
    }
  }
  CAF_CHECK_EQUAL(moved, placement({"a", "b", "c", "d"}).slots_of(2));
}

CAF_TEST(a member coming back takes back exactly its slots) {
  placement p{{"a", "b", "c"}};
  auto whole = owner_names(p);
  p.set_eligible({true, false, true});
  auto without_b = owner_names(p);
  p.set_eligible({true, true, true});
  auto again = owner_names(p);
  CAF_CHECK(again == whole);
  for (std::uint32_t slot = 0; slot < id_layout::slots; ++slot)
    if (without_b[slot] != again[slot])
      CAF_REQUIRE_EQUAL(again[slot], "b");
}

CAF_TEST(without an eligible member no slot has an owner) {
  placement p{{"a", "b"}};
  p.set_eligible({false, false});
  CAF_CHECK(!p.owner(0).has_value());
  CAF_CHECK(!p.place(7, [](std::size_t) { return true; }).has_value());
}

CAF_TEST(new sessions go only to members that accept them) {
  placement p{{"a", "b", "c"}};
  std::vector<std::size_t> placed(3, 0);
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    auto slot = p.place(seed, [](std::size_t m) { return m != 1; });
    CAF_REQUIRE(slot.has_value());
    auto owner = p.owner(*slot);
    CAF_REQUIRE(owner.has_value());
    CAF_REQUIRE_NOT_EQUAL(*owner, 1u);
    ++placed[*owner];
  }
  // Both accepted members get a fair part.
  CAF_CHECK_GREATER(placed[0], 1000u);
  CAF_CHECK_GREATER(placed[2], 1000u);
  CAF_CHECK(!p.place(5, [](std::size_t) { return false; }).has_value());
}

CAF_TEST(placing is a function of the seed) {
  placement p{{"a", "b", "c"}};
  auto all = [](std::size_t) { return true; };
  auto first = p.place(99, all);
  auto second = p.place(99, all);
  CAF_REQUIRE(first.has_value() && second.has_value());
  CAF_CHECK_EQUAL(*first, *second);
}
