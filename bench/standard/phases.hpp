#pragma once

// What warden-bench's phases share: a phase's figures, running a phase to
// its tally, the governed clients, and the JSON the figures are printed as.

#include <chrono>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "bench/standard/governed_client.hpp"
#include "bench/standard/measure.hpp"
#include "bench/standard/tally.hpp"
#include "bench/standard/workload.hpp"

namespace warden::bench {

/// Governed steps of one run: model call, 2 tool calls, model call.
inline constexpr double steps_per_run = 4.0;

/// Longest a phase may take before the benchmark gives up.
inline constexpr std::chrono::seconds phase_timeout{600};

/// What one throughput phase measured.
struct phase_figures {
  std::uint64_t runs = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t refused = 0;
  double seconds = 0;
  /// CPU time of the whole process during the phase (every thread).
  double cpu_seconds = 0;
  bool completed = false;

  [[nodiscard]] double runs_per_s() const {
    return seconds > 0 ? static_cast<double>(succeeded) / seconds : 0;
  }
  [[nodiscard]] double steps_per_s() const {
    return runs_per_s() * steps_per_run;
  }
};

/// The figures of a phase that started at `start` with `cpu_start` seconds
/// of process CPU, from its tally.
phase_figures figures_of(const run_tally& tally, wall_clock::time_point start,
                         double cpu_start, bool completed);

/// Sends go to every client and waits for the tally; `during` runs on this
/// thread meanwhile (may be empty).
template <class F>
phase_figures run_phase(std::vector<caf::actor>& clients, run_tally& tally,
                        F during) {
  auto cpu_start = process_cpu_seconds();
  auto start = wall_clock::now();
  for (const auto& client : clients)
    caf::anon_send(client, go_atom::value);
  during();
  auto completed = tally.wait(phase_timeout);
  auto result = figures_of(tally, start, cpu_start, completed);
  for (const auto& client : clients)
    caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
  clients.clear();
  return result;
}

/// One governed client per tenant of `params`, sending to `node`.
std::vector<caf::actor> spawn_governed_clients(
    caf::actor_system& sys, const workload_params& params,
    const caf::actor& node, const std::vector<std::uint32_t>& windows,
    const std::shared_ptr<run_tally>& tally, bool paced = false);

/// A JSON object written field by field.
class json_object {
 public:
  void number(const std::string& key, double value) {
    std::ostringstream out;
    out.precision(value == static_cast<double>(static_cast<std::int64_t>(value))
                      ? 17
                      : 6);
    out << value;
    raw(key, out.str());
  }
  void integer(const std::string& key, std::uint64_t value) {
    raw(key, std::to_string(value));
  }
  void boolean(const std::string& key, bool value) {
    raw(key, value ? "true" : "false");
  }
  void string(const std::string& key, const std::string& value) {
    std::string quoted = "\"";
    for (char c : value)
      if (c == '"' || c == '\\')
        quoted += std::string{'\\', c};
      else if (static_cast<unsigned char>(c) >= 0x20)
        quoted += c;
    raw(key, quoted + "\"");
  }
  void object(const std::string& key, const json_object& value) {
    raw(key, value.str());
  }
  /// Adds `text`, which must already be one JSON value, as it is.
  void verbatim(const std::string& key, const std::string& text) {
    raw(key, text);
  }
  void integers(const std::string& key,
                const std::vector<std::uint64_t>& values) {
    std::string list;
    for (auto x : values)
      list += (list.empty() ? "" : ", ") + std::to_string(x);
    raw(key, "[" + list + "]");
  }
  [[nodiscard]] std::string str() const { return "{" + body_ + "}"; }

 private:
  void raw(const std::string& key, const std::string& value) {
    if (!body_.empty())
      body_ += ", ";
    body_ += "\"" + key + "\": " + value;
  }
  std::string body_;
};

/// A phase's figures as JSON.
json_object phase_json(const phase_figures& f);

/// The machine (describe_machine) as JSON: cpu, cores, kernel.
json_object machine_json();

} // namespace warden::bench
