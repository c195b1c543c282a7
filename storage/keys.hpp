#pragma once

// Key encodings of the RocksDB column families (storage/README.md has the
// table). Integers are big-endian so that byte order is numeric order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::storage::keys {

/// runs: 'r' + run id (8 bytes).
[[nodiscard]] std::string run(std::uint64_t run);

/// runs: 'f' + finished_at_ms (8) + run id (8): the retention index.
[[nodiscard]] std::string finished(std::uint64_t finished_at_ms,
                                   std::uint64_t run);

/// journal: run id (8) + sequence number (8, node-wide, increasing).
[[nodiscard]] std::string journal(std::uint64_t run, std::uint64_t seq);

/// journal: the 8-byte prefix of every entry of `run`.
[[nodiscard]] std::string journal_prefix(std::uint64_t run);

/// sessions: session id (8): the snapshot.
[[nodiscard]] std::string session(std::uint64_t session);

/// sessions: 'e' + written_at_ms (8) + session id (8): the expiry index.
/// 17 bytes, where a snapshot's key has 8: the length tells them apart.
[[nodiscard]] std::string session_expiry(std::uint64_t written_at_ms,
                                         std::uint64_t session);

/// The length of a `session` key.
inline constexpr std::size_t session_key_size = 8;

/// The length of a `session_expiry` key.
inline constexpr std::size_t session_expiry_key_size = 17;

/// idempotency: tenant length (2) + tenant + key; the length prefix keeps
/// ("a", "bc") and ("ab", "c") apart.
[[nodiscard]] std::string idempotency(std::string_view tenant,
                                      std::string_view key);

/// budgets: UTC day (8, days since 1970-01-01) + tenant. The day comes
/// first, so one day's counters are one prefix scan and retention drops
/// whole days with one range; the tenant is the rest of the key.
[[nodiscard]] std::string budget(std::uint64_t day, std::string_view tenant);

/// budgets: the 8-byte prefix of every counter of `day`.
[[nodiscard]] std::string budget_prefix(std::uint64_t day);

/// The big-endian integer at `offset` of `key`, if the key is long enough.
[[nodiscard]] std::optional<std::uint64_t> read_u64(std::string_view key,
                                                    std::size_t offset);

} // namespace warden::storage::keys
