// Fuzz target: the write-ahead log scanner (storage/detail/log_scan), which
// decides at open whether damage in a RocksDB log is a torn tail or lost
// synced data. The first input byte picks the mode:
//   even: the rest is a log file as it lies on disk (any bytes);
//   odd:  the rest describes a log that the target writes itself, with
//         valid checksums and RocksDB's block layout (random bytes almost
//         never carry a valid CRC-32C, so this is how the fuzzer reaches
//         whole records and damage after them), then cuts it or flips one
//         byte of it.
// Properties: the scan stays inside the file; a written log scans whole;
// a cut log is a torn tail exactly when the cut is inside a record, and
// never damage; a flipped byte never moves damage before its record, and
// damage with a whole record after it is never taken for a torn tail.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/detail/log_scan.hpp"

#include "fuzz/support.hpp"

namespace {

using warden::fuzz::require;
using warden::storage::detail::crc32c;
using warden::storage::detail::scan_log_bytes;

constexpr std::size_t block_size = 32768;
constexpr std::size_t header_size = 7;

/// Reads the fuzz input front to back; zeros once it runs out.
class input {
 public:
  explicit input(std::string_view bytes) : bytes_(bytes) {}

  std::uint8_t byte() {
    if (bytes_.empty())
      return 0;
    auto x = static_cast<std::uint8_t>(bytes_.front());
    bytes_.remove_prefix(1);
    return x;
  }

  std::uint32_t u16() {
    return byte() | (static_cast<std::uint32_t>(byte()) << 8);
  }

  [[nodiscard]] std::size_t left() const noexcept { return bytes_.size(); }

 private:
  std::string_view bytes_;
};

void put_le(std::string& out, std::uint32_t x, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

/// A log written the way RocksDB writes one; `starts` and `ends` are the
/// offsets of its physical records.
struct written_log {
  std::string bytes;
  std::vector<std::size_t> starts;
  std::vector<std::size_t> ends;
};

/// Up to 64 records: per record a type byte (full, first, middle, last
/// fragments and their recyclable forms), a 16-bit length and a fill byte,
/// while more than `reserve` bytes are left (for what is done to the log).
written_log write_log(input& in, std::size_t reserve) {
  written_log log;
  while (in.left() > reserve && log.starts.size() < 64) {
    auto type = static_cast<std::uint8_t>(1 + in.byte() % 11);
    auto wanted = in.u16();
    auto fill = static_cast<char>(in.byte());
    bool recyclable = (type >= 5 && type <= 8) || type == 11;
    auto header = recyclable ? std::size_t{11} : header_size;
    auto room = block_size - log.bytes.size() % block_size;
    if (room < header) {
      log.bytes.append(room, '\0'); // the block's tail: zero padding
      room = block_size;
    }
    auto length = std::min<std::size_t>(wanted, room - header);
    std::string covered(1, static_cast<char>(type));
    if (recyclable)
      put_le(covered, 0x01020304u, 4); // the log number
    covered.append(length, fill);
    auto crc = crc32c(0, covered.data(), covered.size());
    auto masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    log.starts.push_back(log.bytes.size());
    put_le(log.bytes, masked, 4);
    put_le(log.bytes, static_cast<std::uint32_t>(length), 2);
    log.bytes += covered;
    log.ends.push_back(log.bytes.size());
  }
  return log;
}

void check_any(const std::string& bytes) {
  auto scan = scan_log_bytes(bytes);
  require(scan.size == bytes.size(), "the scan reports another size");
  require(!scan.damage_at || *scan.damage_at < bytes.size(),
          "damage reported past the end of the file");
  require(!(scan.damage_at && scan.truncated_tail),
          "a scan reports both damage and a torn tail");
  require(!scan.intact_after_damage || scan.damage_at.has_value(),
          "an intact record after damage, without damage");
  require(scan.records * header_size <= bytes.size(),
          "more records than fit in the file");
}

void check_written(input& in) {
  auto log = write_log(in, 5);
  auto n = log.starts.size();
  auto whole = scan_log_bytes(log.bytes);
  require(whole.records == n && !whole.damage_at && !whole.truncated_tail,
          "a log written whole does not scan whole");
  auto action = in.byte();
  auto where = (static_cast<std::size_t>(in.u16()) << 8 | in.byte()) %
               (log.bytes.size() + 1);
  if (action % 2 == 0) {
    // A cut, as a crash in the middle of a write leaves the file.
    auto cut = log.bytes.substr(0, where);
    check_any(cut);
    auto scan = scan_log_bytes(cut);
    auto whole_before = static_cast<std::size_t>(
        std::upper_bound(log.ends.begin(), log.ends.end(), where) -
        log.ends.begin());
    bool clean = where % block_size == 0 ||
                 std::binary_search(log.ends.begin(), log.ends.end(), where);
    require(!scan.damage_at, "a cut log reads as damaged");
    require(scan.records == whole_before,
            "a cut log loses or gains whole records");
    require(scan.truncated_tail == !clean,
            "a cut inside a record is not a torn tail, or one between is");
    return;
  }
  if (log.bytes.empty())
    return;
  // One damaged byte, as a bad sector or a stray write leaves the file.
  where %= log.bytes.size();
  auto damaged = log.bytes;
  damaged[where] = static_cast<char>(damaged[where] ^ (1 + in.byte() % 255));
  check_any(damaged);
  auto scan = scan_log_bytes(damaged);
  auto k = static_cast<std::size_t>(
      std::upper_bound(log.starts.begin(), log.starts.end(), where) -
      log.starts.begin());
  // Record k - 1 holds the byte, unless the byte is block padding.
  auto in_record = k > 0 && where < log.ends[k - 1];
  if (!in_record) {
    // Block padding: a tail of 7 bytes or more (before a recyclable
    // record) reads as a header, so damage to it may show; never earlier.
    auto padding = k > 0 ? log.ends[k - 1] : 0;
    require(scan.records >= k &&
                (!scan.damage_at || *scan.damage_at >= padding),
            "damage to block padding reported before the padding");
    return;
  }
  auto first_bad = k - 1;
  require(scan.records >= first_bad,
          "records before the damage are not counted");
  require(!scan.damage_at || *scan.damage_at >= log.starts[first_bad],
          "damage reported before the damaged record");
  if (scan.damage_at && *scan.damage_at == log.starts[first_bad] &&
      first_bad + 1 < n)
    require(scan.intact_after_damage,
            "damage with whole records after it reads as a torn tail");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto rest = warden::fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    check_any(std::string{rest});
  } else {
    input in{rest};
    check_written(in);
  }
  return 0;
}
