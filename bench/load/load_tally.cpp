#include "bench/load/load_tally.hpp"

#include <algorithm>

namespace warden::bench {

namespace {

/// The `q`-quantile of sorted `xs`; 0 when empty.
std::int64_t quantile_of(const std::vector<std::int64_t>& xs, double q) {
  if (xs.empty())
    return 0;
  auto i = static_cast<std::size_t>(q * static_cast<double>(xs.size() - 1));
  return xs[i];
}

} // namespace

nlohmann::json load_tally::to_json() {
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto seconds = static_cast<double>(end_unix_ms - start_unix_ms) / 1'000.0;
  nlohmann::json reasons_json = nlohmann::json::object();
  for (const auto& [key, r] : reasons)
    reasons_json[key] = {{"count", r.count}, {"example", r.example}};
  return {
      {"phase", phase},
      {"rate", rate},
      {"start_unix_ms", start_unix_ms},
      {"end_unix_ms", end_unix_ms},
      {"seconds", seconds},
      {"submitted", submitted},
      {"acked", acked},
      {"refused", refused},
      {"shed", shed},
      {"without_reason", without_reason},
      {"succeeded", succeeded},
      {"failed", failed},
      {"not_sent", not_sent},
      {"succeeded_per_s",
       seconds > 0 ? static_cast<double>(succeeded) / seconds : 0.0},
      {"ack_to_final_ms",
       {{"p50", quantile_of(latencies_ms, 0.5)},
        {"p99", quantile_of(latencies_ms, 0.99)},
        {"max", latencies_ms.empty() ? 0 : latencies_ms.back()},
        {"samples", latencies_ms.size()}}},
      {"reasons", reasons_json},
  };
}

} // namespace warden::bench
