#pragma once

// warden-bench --recovery DIR: recovery at scale (DESIGN.md: resume
// 1,000,000 unfinished runs after kill -9 in <= 10 s). For the baseline
// (default 100,000 runs) and then the measured size (default 1,000,000): a
// child process writes that many unfinished runs through the storage API
// (run_accepted + one journaled model step each, synced batches) and dies
// by SIGKILL; a fresh process then starts a node on the database and times,
// from before start_node:
//   open      start_node returned: database opened (WAL replayed), id
//             watermarks and every unfinished run read, actors spawned;
//   resumed   the node answers get_status for the last seeded run with
//             state `queued` (reason "resumed after a restart"): its
//             recovery handler has run, so the node holds every run in its
//             table (status, idempotency key, session) and has queued each
//             to resume through admission (the resume window, 4,096 at a
//             time, is already with admission);
//   accepting the node acknowledged a new submit_run (its accepted record
//             synced while the resumed runs write their own);
//   first     the first resumed run (run 1) is final, i.e. resumed runs are
//             being carried out;
// (each also as the process's CPU seconds, which other load on a shared
// machine moves less than wall time), then counts the runs that became
// final in the following 5 s, and reports
// the process's peak RSS (getrusage's ru_maxrss, i.e. VmHWM). Each size is
// measured in its own process so that its peak RSS is its own. Prints one JSON
// object.

#include <functional>
#include <string>

#include "config/settings.hpp"

#include "bench/standard/workload.hpp"

namespace warden::bench {

/// Runs the recovery mode under `params.recovery_dir` and prints its JSON
/// object; `progress` gets a line per step. Returns the exit code: 0 when
/// every size was measured (whether or not it met the target).
int run_recovery(const workload_params& params, config::settings settings,
                 const std::function<void(const std::string&)>& progress);

} // namespace warden::bench
