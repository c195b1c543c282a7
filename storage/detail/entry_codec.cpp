#include "storage/detail/entry_codec.hpp"

#include <cstdint>
#include <limits>

#include "storage/detail/codec.hpp"
#include "storage/records.hpp"

namespace warden::storage::detail {

namespace {

/// The last kind the `journal` column family holds: session checkpoints go
/// to `sessions` instead.
constexpr auto last_kind = static_cast<std::uint8_t>(entry_kind::run_record);

} // namespace

std::string encode_entry(const journal_entry& e) {
  std::string out;
  out.reserve(8 + e.payload.size());
  out.push_back(static_cast<char>(record_format));
  out.push_back(static_cast<char>(e.kind));
  put_varint(out, e.step);
  out += e.payload;
  return out;
}

std::optional<std::string> decode_entry(std::string_view bytes,
                                        journal_entry& out) {
  reader r{bytes};
  if (auto problem = read_format(r))
    return problem;
  std::uint8_t kind = 0;
  if (r.byte(kind) != read_status::ok)
    return std::string{"truncated entry (field `kind`)"};
  if (kind > last_kind || !known_entry_kind(kind))
    return "unknown entry kind " + std::to_string(kind);
  std::uint64_t step = 0;
  if (auto st = r.varint(step); st != read_status::ok)
    return std::string{st == read_status::truncated
                           ? "truncated entry (field `step`)"
                           : "malformed varint (field `step`)"};
  if (step > std::numeric_limits<std::uint32_t>::max())
    return "field `step` out of range (" + std::to_string(step) + ")";
  out.kind = static_cast<entry_kind>(kind);
  out.step = static_cast<std::uint32_t>(step);
  out.payload.assign(r.rest().data(), r.rest().size());
  return std::nullopt;
}

} // namespace warden::storage::detail
