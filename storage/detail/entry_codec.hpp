#pragma once

// The value of a journal entry in the `journal` column family: the format
// byte, the kind byte, the step as a varint, then the payload bytes
// (storage/README.md, "Keys"). The run is in the key, not the value.

#include <optional>
#include <string>
#include <string_view>

#include "storage/journal.hpp"

namespace warden::storage::detail {

/// `e` as the value of its journal key (`e.run` is not written).
[[nodiscard]] std::string encode_entry(const journal_entry& e);

/// Reads a value written by `encode_entry` into `out` (all but `out.run`);
/// the error names what is wrong (an unknown format or kind, a truncated or
/// out-of-range step). `out` is unchanged on error.
[[nodiscard]] std::optional<std::string> decode_entry(std::string_view bytes,
                                                      journal_entry& out);

} // namespace warden::storage::detail
