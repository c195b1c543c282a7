#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>

#include "storage/error.hpp"

namespace warden {

/// The errors Warden returns at actor boundaries, each named by what the
/// caller should do. Carried as `caf::error` values of category `warden`; the
/// error's context holds a reason sentence and, for the retry-later codes, a
/// retry-after in milliseconds (see `make_error`, `error_reason`,
/// `error_retry_after`). Zero is reserved by CAF for "no error".
enum class error_code : std::uint8_t {
  /// A budget (tenant per day, run, child) cannot cover the request: don't
  /// retry until the budget is raised or renewed.
  budget_exhausted = 1,
  /// A concurrency cap (tenant in-flight, fan-out) refuses the request now:
  /// retry later.
  cap_exceeded,
  /// A bounded queue is full or shed the request: retry later.
  queue_full,
  /// The dependency's circuit breaker is open: retry after the retry-after.
  circuit_open,
  /// A rate limit refuses the request: retry after the retry-after.
  rate_limited,
  /// The request is malformed (unknown agent, oversized payload, bad
  /// priority, bad arguments): fix the request; never retry as is.
  invalid_argument,
  /// The run, session or tenant does not exist for this caller: don't retry.
  not_found,
  /// The node is draining and accepts no new work: retry on another node.
  draining,
  /// The operation ran out of time: retrying may help.
  timeout,
  /// The operation was cancelled by its owner: don't retry.
  cancelled,
  /// The agent looped or misbehaved (doom loop, iteration cap): don't retry
  /// as is.
  halted,
  /// A dependency failed in a way not covered above: retrying may help.
  dependency_failed,
  /// The node cannot take the request now (its storage refuses writes, a
  /// full disk): retry after the retry-after, on this node or another.
  unavailable,
  /// Stored data the request needs is damaged (a checksum mismatch, a record
  /// that does not decode): don't retry; the operator's log names the file.
  data_loss,
  /// The request conflicts with the current state of what it names (a turn
  /// sent with on_busy = reject to a session that is busy): retry once that
  /// state changes.
  conflict,
};

/// The highest `error_code` value.
inline constexpr std::uint8_t max_error_code =
    static_cast<std::uint8_t>(error_code::conflict);

/// The stable lower-case name of `x`.
const char* to_string(error_code x) noexcept;

/// The CAF error category of `error_code`.
inline constexpr caf::atom_value error_category = caf::atom("warden");

/// Converts `x` into a `caf::error` without a reason (found by ADL, so
/// `caf::error e = error_code::timeout;` works).
caf::error make_error(error_code x);

/// An error with a reason sentence naming what is wrong.
caf::error make_error(error_code x, std::string reason);

/// An error with a reason and the time after which a retry may succeed.
caf::error make_error(error_code x, std::string reason,
                      std::chrono::milliseconds retry_after);

/// The warden code of `err`, or nothing when `err` is of another category.
std::optional<error_code> warden_code(const caf::error& err) noexcept;

/// The reason sentence carried by a warden error; for other errors, CAF's
/// rendering of the error.
std::string error_reason(const caf::error& err);

/// The retry-after carried by a warden error, if any.
std::optional<std::chrono::milliseconds>
error_retry_after(const caf::error& err);

/// How long a caller refused because storage does not take writes should
/// wait before asking again.
inline constexpr std::chrono::milliseconds storage_retry_after{2000};

/// The warden code for a failed storage operation of `kind`: unavailable
/// (retry later) for a disk that refuses writes, data_loss for damaged
/// data, dependency_failed for a request storage refused as invalid.
[[nodiscard]] error_code storage_code(storage::failure_kind kind) noexcept;

/// A sentence for a tenant about a failed storage operation of `kind`,
/// naming no file or path: "storage is not accepting writes now".
[[nodiscard]] std::string storage_sentence(storage::failure_kind kind);

/// The error a caller sees when `what` (e.g. "the run could not be made
/// durable") failed because of `err`: a storage_code error whose reason
/// names no file (retry-after `storage_retry_after` when unavailable). The
/// storage error itself, which may name files, goes to the operator's log.
[[nodiscard]] caf::error storage_failure(const storage::storage_error& err,
                                         const std::string& what);

/// Registers the `warden` category so errors render with their names.
void add_error_category(caf::actor_system_config& cfg);

} // namespace warden
