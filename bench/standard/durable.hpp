#pragma once

// The durable parts of the standard workload (DESIGN.md, "Durable"): the raw
// synced-WriteBatch ceiling of the disk, recovery of unfinished runs after a
// kill -9, and the disk bytes of a passivated session.

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>

#include "config/settings.hpp"

namespace warden::bench {

/// Records of the ceiling loop: values about the size of a journal entry.
inline constexpr std::size_t ceiling_value_bytes = 160;

/// Writes `runs` unfinished runs (run_accepted plus one model step each, in
/// synced batches of 1,000) into the database at `db_path` from a child
/// process, which then kills itself with SIGKILL: the database is left as a
/// crashed node leaves it (WAL not flushed). False with `error` on failure.
bool seed_crashed_node(const std::string& db_path, std::uint64_t runs,
                       const std::string& agent, std::string& error);

/// Disk bytes per passivated session: stores `sessions` snapshots (a
/// 2-message history each, encoded as the session registry does) in a fresh
/// database under `dir`, closes and reopens it (recovery flushes the WAL into
/// a table file), and divides the growth of the directory by `sessions`.
/// Negative on failure, with `error`.
double passivated_session_disk_bytes(caf::actor_system& sys,
                                     const std::string& dir,
                                     std::uint64_t sessions,
                                     std::string& error);

/// Removes `dir` with everything in it and creates it again, empty; false
/// (with a line on stderr) when it cannot.
bool recreate_directory(const std::string& dir);

/// Bytes of the files under `dir`, recursively.
std::uint64_t directory_bytes(const std::string& dir);

} // namespace warden::bench
