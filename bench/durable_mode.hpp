#pragma once

// warden-bench --durable: the standard workload on a RocksDB journal, the
// disk's synced-batch ceiling, recovery after kill -9, the steady phase
// under a short retention and session expiry, and a passivated session's
// bytes on disk (bench/README.md, "Durable mode").

#include <functional>
#include <string>

#include "config/settings.hpp"

#include "bench/standard/workload.hpp"

namespace warden::bench {

/// Runs the durable mode under `params.durable_dir` and prints its JSON
/// object; `progress` gets a line per phase. Returns the exit code.
int run_durable(const workload_params& params, config::settings settings,
                const std::function<void(const std::string&)>& progress);

} // namespace warden::bench
