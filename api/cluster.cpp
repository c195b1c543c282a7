#include "api/cluster.hpp"

namespace warden::api {

nlohmann::json cluster_json(const cluster_report& report) {
  auto members = nlohmann::json::array();
  for (const auto& m : report.members) {
    nlohmann::json row{{"name", m.name},
                       {"address", m.address},
                       {"state", m.state},
                       {"since_ms", m.since_ms},
                       {"slots", m.slots},
                       {"leaving", m.leaving},
                       {"holding_slots", m.holding},
                       {"resident_sessions", nullptr},
                       {"open_runs", nullptr},
                       {"leases", nullptr}};
    if (m.counted) {
      row["resident_sessions"] = m.resident_sessions;
      row["open_runs"] = m.open_runs;
      row["leases"] = {{"homes", m.lease_homes},
                       {"leased_out", m.leased_out},
                       {"held", m.leases_held}};
    }
    members.push_back(std::move(row));
  }
  return {{"self", report.self}, {"members", std::move(members)}};
}

} // namespace warden::api
