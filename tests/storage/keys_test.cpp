#define CAF_SUITE storage.keys
#include <limits>
#include <random>
#include <set>
#include <utility>

#include <caf/test/unit_test.hpp>

#include "storage/keys.hpp"
#include "tests/support/seed.hpp"

using namespace warden::storage;

namespace {

/// Mostly small ids, sometimes anything: both ends of the byte range matter.
std::uint64_t draw(std::mt19937_64& rng) {
  switch (rng() % 4) {
  case 0:
    return rng() % 300;
  case 1:
    return rng() % (1ull << 20);
  case 2:
    return std::numeric_limits<std::uint64_t>::max() - rng() % 300;
  default:
    return rng();
  }
}

std::string draw_text(std::mt19937_64& rng) {
  std::string out(rng() % 4, 'a');
  for (auto& c : out)
    c = static_cast<char>("ab\0\1"[rng() % 4]);
  return out;
}

} // namespace

CAF_TEST(run key byte order equals numeric order) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  std::mt19937_64 rng{seed};
  int violations = 0;
  for (int i = 0; i < 20000; ++i) {
    auto a = draw(rng);
    auto b = draw(rng);
    if ((a < b) != (keys::run(a) < keys::run(b)))
      ++violations;
    if ((a < b) != (keys::session(a) < keys::session(b)))
      ++violations;
    if (keys::read_u64(keys::run(a), 1) != std::optional<std::uint64_t>{a})
      ++violations;
  }
  CAF_CHECK_EQUAL(violations, 0);
}

CAF_TEST(journal and retention keys sort by their fields in order) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  std::mt19937_64 rng{seed};
  int violations = 0;
  for (int i = 0; i < 20000; ++i) {
    std::pair<std::uint64_t, std::uint64_t> a{draw(rng), draw(rng)};
    std::pair<std::uint64_t, std::uint64_t> b{draw(rng), draw(rng)};
    if (rng() % 3 == 0)
      b.first = a.first; // exercise the second field
    if ((a < b) !=
        (keys::journal(a.first, a.second) < keys::journal(b.first, b.second)))
      ++violations;
    if ((a < b) !=
        (keys::finished(a.first, a.second) < keys::finished(b.first, b.second)))
      ++violations;
    auto entry = keys::journal(a.first, a.second);
    if (entry.compare(0, 8, keys::journal_prefix(a.first)) != 0)
      ++violations;
    if (a.first != std::numeric_limits<std::uint64_t>::max() &&
        !(entry < keys::journal_prefix(a.first + 1)))
      ++violations;
  }
  CAF_CHECK_EQUAL(violations, 0);
}

CAF_TEST(run and retention keys of one column family never overlap) {
  auto r = keys::run(1);
  auto f = keys::finished(1234, 99);
  CAF_CHECK_EQUAL(r.size(), 9u);
  CAF_CHECK_EQUAL(f.size(), 17u);
  // One byte tells the two kinds of key apart.
  CAF_CHECK_EQUAL(r[0], 'r');
  CAF_CHECK_EQUAL(f[0], 'f');
  CAF_CHECK(keys::read_u64(f, 1) == std::optional<std::uint64_t>{1234});
  CAF_CHECK(keys::read_u64(f, 9) == std::optional<std::uint64_t>{99});
  CAF_CHECK(!keys::read_u64(f, 10));
  CAF_CHECK(!keys::read_u64(f, 100));
}

CAF_TEST(idempotency keys of different tenants never collide) {
  CAF_CHECK_NOT_EQUAL(keys::idempotency("a", "bc"),
                      keys::idempotency("ab", "c"));
  CAF_CHECK_NOT_EQUAL(keys::idempotency("", "ab"), keys::idempotency("a", "b"));
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  std::mt19937_64 rng{seed};
  std::set<std::pair<std::string, std::string>> pairs;
  std::set<std::string> encoded;
  for (int i = 0; i < 5000; ++i) {
    auto tenant = draw_text(rng);
    auto key = draw_text(rng);
    if (pairs.emplace(tenant, key).second)
      encoded.insert(keys::idempotency(tenant, key));
  }
  CAF_MESSAGE(pairs.size() << " distinct (tenant, key) pairs");
  CAF_CHECK_EQUAL(encoded.size(), pairs.size());
}
