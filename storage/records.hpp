#pragma once

// The records storage keeps besides opaque journal payloads: run records
// (runs column family, also the payload of run_accepted and run_record
// journal entries) and the versioned envelope every stored value carries.
// Encoding: see storage/README.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/error.hpp"

namespace warden::storage {

/// Format version at the front of every value this build writes but run
/// records. A value of another version is refused with an error naming both
/// versions.
inline constexpr std::uint8_t record_format = 1;

/// Format version of the run records (`stored_run`) this build writes: 2
/// added `counts_own_tokens`, 3 `reserved_tokens`. Records of versions 1
/// and 2 are still read (as not counting their own tokens, holding no
/// reservation).
inline constexpr std::uint8_t run_record_format = 4;

/// What a run consumed, as stored.
struct stored_usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t cost_micros = 0;
  std::uint32_t model_calls = 0;
  std::uint32_t tool_calls = 0;
  std::uint32_t retries = 0;
  std::uint32_t iterations = 0;
};

/// A run's record: enough to answer status and result after a restart, to
/// resume it when unfinished, and to honour its idempotency key.
struct stored_run {
  std::uint64_t run = 0;
  std::uint64_t session = 0;
  /// The run that spawned this one; 0 for a root run.
  std::uint64_t parent = 0;
  /// Depth in its run tree; a root run is at depth 1.
  std::uint32_t depth = 1;
  std::string tenant;
  std::string agent;
  /// The turn's input (kept until the run is final, for resume).
  std::string input;
  /// A root run (parent 0): the submitter's idempotency key, empty when it
  /// gave none. A child run: the key of the spawn_agent call that started
  /// it ("<parent run>/<step>/<index>"), by which the parent's replay finds
  /// it after a restart; indexed under `spawn_call_tenant`, never in a
  /// tenant's own key namespace.
  std::string idempotency_key;
  /// Index of the priority class.
  std::uint8_t priority = 0;
  /// The runtime's run state (actors/protocol/messages.hpp `run_state`), opaque
  /// here.
  std::uint8_t state = 0;
  /// Whether the run will not change any more (retention may drop it).
  bool final = false;
  std::string output;
  std::string reason;
  stored_usage usage;
  /// When the run became final, Unix milliseconds; 0 while unfinished.
  std::uint64_t finished_at_ms = 0;
  /// A child run that ended after its root (no ancestor is left to count
  /// it): its final record adds its usage's tokens to its tenant's daily
  /// counter itself. Since run record format 2.
  bool counts_own_tokens = false;
  /// Tokens admission reserved for this root run out of its tenant's daily
  /// budget when it accepted it (0: none, e.g. an unlimited tenant or a
  /// child run); a resumed run keeps them. Since run record format 3.
  std::uint64_t reserved_tokens = 0;
  /// The model whose reply the run ended on; empty when none answered.
  /// Since run record format 4.
  std::string model{};
};

/// The tenant under which the idempotency index holds the spawn call keys of
/// child runs. No run has an empty tenant (requests naming none are
/// refused), so these keys never meet a tenant's own.
inline constexpr std::string_view spawn_call_tenant{};

/// The tenant whose idempotency namespace holds `x.idempotency_key`: its
/// own for a root run, `spawn_call_tenant` for a child run.
[[nodiscard]] inline std::string_view
idempotency_tenant(const stored_run& x) noexcept {
  return x.parent != 0 ? spawn_call_tenant : std::string_view{x.tenant};
}

/// `x` as bytes: the format version, then its fields.
[[nodiscard]] std::string encode(const stored_run& x);

/// Reads a stored_run from `bytes`; the error names what is wrong (an
/// unknown format version, a truncated or overlong record).
[[nodiscard]] std::optional<storage_error> decode(std::string_view bytes,
                                                  stored_run& out);

} // namespace warden::storage
