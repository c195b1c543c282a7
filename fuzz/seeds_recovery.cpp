// Seeds of the log_scan and durable_marks targets (fuzz/seeds.cpp writes
// the others).

#include <cstdint>
#include <string>

#include "storage/detail/durable_marks.hpp"
#include "storage/detail/log_scan.hpp"

#include "fuzz/seed_writer.hpp"

namespace warden::fuzz {

namespace {

/// One full record (type 1) of RocksDB's log format holding `payload`.
std::string log_record(const std::string& payload) {
  std::string covered = "\x01" + payload;
  auto crc = storage::detail::crc32c(0, covered.data(), covered.size());
  auto masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
  std::string out;
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((masked >> (8 * i)) & 0xff));
  out.push_back(static_cast<char>(payload.size() & 0xff));
  out.push_back(static_cast<char>(payload.size() >> 8));
  return out + covered;
}

} // namespace

void recovery_seeds(writer& w) {
  // log_scan, even first byte: a log file's bytes.
  w.put("log_scan", "file",
        std::string(1, '\0') + log_record("a write batch") + log_record(""));
  // Odd first byte: records the target writes (type, 16-bit length, fill
  // byte), then the action (even: cut, odd: flip) and where.
  using namespace std::string_literals;
  auto records = "\x01"s + "\x01\x20\x00\x61" + "\x02\x00\x7f\x62" +
                 "\x04\x10\x00\x63" + "\x05\x08\x00\x64";
  w.put("log_scan", "cut", records + "\x00\x00\x7f\x10"s);
  w.put("log_scan", "flip", records + "\x01\x00\x40\x00\x01"s);
  // durable_marks, even first byte: a marks file as encode_marks writes it.
  storage::detail::durable_marks marks;
  marks.clean = true;
  marks.sequence = 42;
  marks.run_ceiling = 4096;
  marks.session_ceiling = 8192;
  w.put("durable_marks", "file",
        "\x00"s + storage::detail::encode_marks(marks));
  // Odd: the lines after the header, which the target checksums.
  w.put("durable_marks", "lines",
        "\x01"s + "clean 0\nsequence 7\nrun_ceiling 1\nsession_ceiling 2\n");
}

} // namespace warden::fuzz
