#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace warden::config {

/// [admission]: node-wide admission of runs.
struct admission_settings {
  /// Runs in flight on this node, children included (parents that only wait
  /// for their children give their slot back). Range [1, 1048576].
  /// Default 4096.
  std::uint32_t global_cap = 4096;
  /// New runs waiting for admission on this node (children of admitted
  /// trees are not counted); 0 = none wait (a run that cannot start at once
  /// is refused). Range [0, 16777216]. Default 65536.
  std::uint32_t global_queue_cap = 65'536;
  /// Priority class of runs submitted without one; empty = the lowest class
  /// (the last of [[priorities]]). Default empty.
  std::string default_priority;
  /// Tier of tenants that have no [tenants.<name>] table; empty = such
  /// tenants are refused. Default empty.
  std::string default_tier;
};

/// [tiers.<name>]: the limits of a plan; each tenant belongs to one tier.
/// All limits apply per tenant.
struct tier_settings {
  /// Runs of one tenant in flight at once, doing work (a parent that only
  /// waits for its children gives its slot back); at most
  /// admission.global_cap. Range [1, 1048576]. Default 10.
  std::uint32_t in_flight_cap = 10;
  /// New runs of one tenant waiting for admission (its children of admitted
  /// trees wait ahead of them, uncounted); 0 = none wait. At most
  /// admission.global_queue_cap. Range [0, 16777216]. Default 1000.
  std::uint32_t queue_cap = 1000;
  /// Share of capacity in the weighted fair order across tenants.
  /// Range [1, 10000]. Default 1.
  std::uint32_t weight = 1;
  /// Tokens one tenant may use per UTC day; 0 = unlimited. Admission
  /// reserves each new root run's run budget out of it (escrow), commits
  /// what the run used when it ends and refunds the rest; a run that finds
  /// less than an eighth of its run budget left is refused
  /// (budget_exhausted).
  /// Range [0, 1000000000000000]. Default 0.
  std::uint64_t daily_token_budget = 0;
  /// Runs one tenant may submit per minute; 0 = unlimited.
  /// Range [0, 10000000]. Default 0.
  std::uint32_t requests_per_minute = 0;
  /// Tokens one tenant may use per minute; 0 = unlimited.
  /// Range [0, 1000000000000]. Default 0.
  std::uint64_t tokens_per_minute = 0;
};

/// [tenants.<name>]: one tenant, its tier, and overrides of the tier's
/// limits (each empty when the tier's value applies; ranges as in the tier).
struct tenant_settings {
  /// Name of the tier (a [tiers.<name>] table); required. Default empty.
  std::string tier;
  /// Overrides tier_settings::in_flight_cap.
  std::optional<std::uint32_t> in_flight_cap;
  /// Overrides tier_settings::queue_cap.
  std::optional<std::uint32_t> queue_cap;
  /// Overrides tier_settings::weight.
  std::optional<std::uint32_t> weight;
  /// Overrides tier_settings::daily_token_budget.
  std::optional<std::uint64_t> daily_token_budget;
  /// Overrides tier_settings::requests_per_minute.
  std::optional<std::uint32_t> requests_per_minute;
  /// Overrides tier_settings::tokens_per_minute.
  std::optional<std::uint64_t> tokens_per_minute;

  /// Returns `base` with this tenant's overrides applied.
  [[nodiscard]] tier_settings apply_to(tier_settings base) const;
};

/// [[priorities]]: one priority class. Classes are listed highest first; a
/// queue that is full sheds the lowest class first.
struct priority_settings {
  /// Name of the class, unique. Default empty.
  std::string name;
  /// In-flight slots only this class and higher ones may use; the sum over
  /// all classes stays below admission.global_cap, and the lowest class
  /// reserves nothing (every class may use its slots anyway).
  /// Range [0, 1048576]. Default 0.
  std::uint32_t reserved = 0;
};

} // namespace warden::config
