#define CAF_SUITE storage.log_scan
#include <filesystem>
#include <fstream>
#include <iterator>

#include <caf/test/unit_test.hpp>

#include "storage/detail/log_scan.hpp"
#include "storage/rocks_store.hpp"
#include "tests/storage/rocks_support.hpp"

using namespace warden::storage;
using warden::storage::detail::crc32c;
using warden::storage::detail::scan_log_bytes;
using warden::storage::test::scratch_dir;

namespace {

/// The bytes of the newest write-ahead log of a database that took
/// `appends` journal appends of about 300 bytes each.
std::string wal_of(std::size_t appends) {
  scratch_dir dir;
  auto path = dir / "db";
  auto opened = open_rocks({path, true, "node-a"});
  CAF_REQUIRE(!opened.error);
  for (std::uint32_t step = 1; step <= appends; ++step)
    CAF_REQUIRE(!opened.storage.journal->append(
        {{9, step, entry_kind::model_step, std::string(300, 'p')}}));
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(path))
    if (entry.path().extension() == ".log" &&
        entry.path().filename().string() > newest)
      newest = entry.path().filename().string();
  std::ifstream in{path + "/" + newest, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

} // namespace

CAF_TEST(crc32c matches the published check value) {
  // RFC 3720, appendix B.4: CRC-32C of "123456789" is 0xE3069283.
  CAF_CHECK_EQUAL(crc32c(0, "123456789", 9), 0xE3069283u);
}

CAF_TEST(an intact log scans without damage) {
  auto wal = wal_of(300); // several 32 KiB blocks
  CAF_REQUIRE_GREATER(wal.size(), 65536u);
  auto scan = scan_log_bytes(wal);
  CAF_CHECK(!scan.damage_at);
  CAF_CHECK(!scan.truncated_tail);
  CAF_CHECK_GREATER_OR_EQUAL(scan.records, 300u);
}

CAF_TEST(damage with intact records after it is told from a torn tail) {
  auto wal = wal_of(300);
  auto middle = wal;
  middle[wal.size() / 3] ^= 0x5a;
  auto scan = scan_log_bytes(middle);
  CAF_REQUIRE(scan.damage_at);
  CAF_CHECK_LESS_OR_EQUAL(*scan.damage_at, wal.size() / 3);
  CAF_CHECK(scan.intact_after_damage);
  // Damage in the last record leaves nothing intact behind it.
  auto last = wal;
  last[wal.size() - 5] ^= 0x5a;
  scan = scan_log_bytes(last);
  CAF_REQUIRE(scan.damage_at);
  CAF_CHECK(!scan.intact_after_damage);
  // A record before the last one, in the same block: the last is intact.
  auto second_last = wal;
  second_last[wal.size() - 400] ^= 0x5a;
  scan = scan_log_bytes(second_last);
  CAF_REQUIRE(scan.damage_at);
  CAF_CHECK(scan.intact_after_damage);
}

CAF_TEST(a log cut inside a record ends in a truncated tail) {
  auto wal = wal_of(20);
  auto cut = wal.substr(0, wal.size() - 60);
  auto scan = scan_log_bytes(cut);
  CAF_CHECK(!scan.damage_at);
  CAF_CHECK(scan.truncated_tail);
  auto header_cut = wal.substr(0, wal.size() - 300 - 3);
  scan = scan_log_bytes(header_cut);
  CAF_CHECK(!scan.damage_at);
}

CAF_TEST(garbage and empty input never read as records) {
  CAF_CHECK_EQUAL(scan_log_bytes("").records, 0u);
  std::string zeros(40000, '\0');
  auto scan = scan_log_bytes(zeros);
  CAF_CHECK_EQUAL(scan.records, 0u);
  CAF_CHECK(!scan.damage_at);
  std::string noise;
  std::uint32_t x = 12345;
  for (int i = 0; i < 70000; ++i) {
    x = x * 1103515245u + 12345u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  scan = scan_log_bytes(noise);
  CAF_CHECK_EQUAL(scan.records, 0u);
  CAF_CHECK(scan.damage_at);
}
