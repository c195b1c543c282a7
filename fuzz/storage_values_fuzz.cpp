// Fuzz target: the other stored values and keys. The first input byte picks
// the decoder, the rest is its input:
//   0: a journal entry value (detail::decode_entry),
//   1: a number value (meta counters, idempotency and budget values),
//   2: keys (keys::read_u64 at every offset, and the key builders' layout),
//   3: a journal batch as the journal checks it before writing
//      (detail::decode_run_records): what it accepts must read back.
// Whatever decodes must encode to bytes that decode to the same value.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/detail/batch.hpp"
#include "storage/detail/codec.hpp"
#include "storage/detail/entry_codec.hpp"
#include "storage/detail/rocks_db.hpp"
#include "storage/keys.hpp"

#include "fuzz/support.hpp"

namespace {

using warden::fuzz::require;
namespace storage = warden::storage;
namespace detail = warden::storage::detail;
namespace keys = warden::storage::keys;

bool same(const storage::journal_entry& x, const storage::journal_entry& y) {
  return x.step == y.step && x.kind == y.kind && x.payload == y.payload;
}

void entry_value(std::string_view bytes) {
  storage::journal_entry e;
  if (auto problem = detail::decode_entry(bytes, e)) {
    require(!problem->empty(), "an entry error without a message");
    return;
  }
  storage::journal_entry again;
  require(!detail::decode_entry(detail::encode_entry(e), again),
          "an encoded entry does not decode");
  require(same(e, again), "an entry changes in a round trip");
}

void number_value(std::string_view bytes) {
  std::uint64_t x = 0;
  if (auto problem = detail::decode_number(bytes, x)) {
    require(!problem->empty(), "a number error without a message");
    return;
  }
  std::uint64_t again = 0;
  require(!detail::decode_number(detail::encode_number(x), again) && again == x,
          "a number changes in a round trip");
}

void key_layout(std::string_view bytes) {
  for (std::size_t offset = 0; offset <= bytes.size() + 1; ++offset) {
    auto x = keys::read_u64(bytes, offset);
    require(x.has_value() == (offset + 8 <= bytes.size()),
            "read_u64 reads past the key, or not up to its end");
  }
  detail::reader r{bytes};
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::string_view text;
  if (r.varint(a) != detail::read_status::ok ||
      r.varint(b) != detail::read_status::ok ||
      r.bytes(text) != detail::read_status::ok)
    return;
  require(keys::read_u64(keys::run(a), 1) == a, "run key");
  require(keys::read_u64(keys::finished(a, b), 1) == a &&
              keys::read_u64(keys::finished(a, b), 9) == b,
          "finished key");
  require(keys::journal(a, b).compare(0, 8, keys::journal_prefix(a)) == 0 &&
              keys::read_u64(keys::journal(a, b), 8) == b,
          "journal key");
  require(keys::session(a).size() == keys::session_key_size,
          "session key size");
  auto expiry = keys::session_expiry(a, b);
  require(expiry.size() == keys::session_expiry_key_size &&
              keys::read_u64(expiry, 1) == a && keys::read_u64(expiry, 9) == b,
          "session expiry key");
  auto budget = keys::budget(a, text);
  require(budget.compare(0, 8, keys::budget_prefix(a)) == 0 &&
              budget.substr(8) == text,
          "budget key");
  auto id = keys::idempotency(text, r.rest());
  auto length = (static_cast<std::uint8_t>(id[0]) << 8) |
                static_cast<std::uint8_t>(id[1]);
  require(static_cast<std::size_t>(length) ==
                  std::min<std::size_t>(text.size(), 0xffff) &&
              id.substr(2, text.size()) == text &&
              id.substr(2 + text.size()) == r.rest(),
          "idempotency key");
}

/// Reads a batch: entries of (run varint, step varint, kind byte, payload).
std::vector<storage::journal_entry> read_batch(std::string_view bytes) {
  std::vector<storage::journal_entry> batch;
  detail::reader r{bytes};
  while (!r.rest().empty() && batch.size() < 16) {
    std::uint64_t run = 0;
    std::uint64_t step = 0;
    std::uint8_t kind = 0;
    std::string_view payload;
    if (r.varint(run) != detail::read_status::ok ||
        r.varint(step) != detail::read_status::ok ||
        r.byte(kind) != detail::read_status::ok ||
        r.bytes(payload) != detail::read_status::ok)
      break;
    batch.push_back({run, static_cast<std::uint32_t>(step),
                     static_cast<storage::entry_kind>(kind),
                     std::string{payload}});
  }
  return batch;
}

void journal_batch(std::string_view bytes) {
  auto batch = read_batch(bytes);
  std::vector<storage::stored_run> records;
  if (detail::decode_run_records(batch, records))
    return;
  // Accepted: the RocksDB journal writes every entry but checkpoints with
  // encode_entry and reads it back with decode_entry.
  for (const auto& e : batch) {
    if (e.kind == storage::entry_kind::session_checkpoint)
      continue;
    storage::journal_entry again;
    auto problem = detail::decode_entry(detail::encode_entry(e), again);
    require(!problem && same(e, again),
            "the journal accepts an entry it cannot read back");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto rest = warden::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 4) {
  case 0:
    entry_value(rest);
    break;
  case 1:
    number_value(rest);
    break;
  case 2:
    key_layout(rest);
    break;
  default:
    journal_batch(rest);
  }
  return 0;
}
