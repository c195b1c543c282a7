#include <algorithm>

#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"
#include "config/detail/schema.hpp"

namespace warden::config::detail {

namespace {

// Caps of a tier or of a tenant's overrides against the node-wide caps.
void check_caps(rule_context& context, const std::string& prefix,
                std::uint32_t in_flight_cap, std::uint32_t queue_cap) {
  const auto& admission = context.value().admission;
  if (in_flight_cap > admission.global_cap &&
      context.usable({"admission.global_cap"}))
    context.report(prefix + ".in_flight_cap",
                   "must be at most admission.global_cap (" +
                       std::to_string(admission.global_cap) + "), got " +
                       std::to_string(in_flight_cap));
  if (queue_cap > admission.global_queue_cap &&
      context.usable({"admission.global_queue_cap"}))
    context.report(prefix + ".queue_cap",
                   "must be at most admission.global_queue_cap (" +
                       std::to_string(admission.global_queue_cap) + "), got " +
                       std::to_string(queue_cap));
}

void check_priorities(rule_context& context) {
  const auto& priorities = context.value().priorities;
  const auto& admission = context.value().admission;
  auto count = static_cast<std::int64_t>(priorities.size());
  if (count < limits::priority_classes.min ||
      count > limits::priority_classes.max) {
    context.report("priorities",
                   "must define 1 to 16 classes, got " + std::to_string(count));
    if (priorities.empty())
      return;
  }
  std::uint64_t reserved = 0;
  for (std::size_t i = 0; i < priorities.size(); ++i) {
    auto key = "priorities[" + std::to_string(i) + "]";
    reserved += priorities[i].reserved;
    for (std::size_t j = 0; j < i; ++j)
      if (!priorities[i].name.empty() &&
          priorities[j].name == priorities[i].name) {
        context.report(key + ".name",
                       "duplicate priority class `" + priorities[i].name +
                           "` (also priorities[" + std::to_string(j) + "])");
        break;
      }
  }
  auto lowest = "priorities[" + std::to_string(priorities.size() - 1) + "]";
  if (priorities.back().reserved > 0)
    context.report(lowest + ".reserved",
                   "must be 0 for the lowest class (`" +
                       priorities.back().name +
                       "`): every class may use its slots anyway, got " +
                       std::to_string(priorities.back().reserved));
  else if (reserved >= admission.global_cap &&
           context.usable({"admission.global_cap"}))
    context.report("priorities",
                   "reserved slots add up to " + std::to_string(reserved) +
                       ", which must stay below admission.global_cap (" +
                       std::to_string(admission.global_cap) +
                       ") so that the lowest class can run");
}

void check_defaults(rule_context& context) {
  const auto& value = context.value();
  const auto& admission = value.admission;
  if (!admission.default_priority.empty()) {
    std::vector<std::string> classes;
    for (const auto& priority : value.priorities)
      classes.push_back(priority.name);
    if (std::find(classes.begin(), classes.end(), admission.default_priority) ==
        classes.end())
      context.report_undefined("admission.default_priority",
                               admission.default_priority, "priority class",
                               classes);
  }
  if (!admission.default_tier.empty() &&
      value.tiers.count(admission.default_tier) == 0)
    context.report_undefined("admission.default_tier", admission.default_tier,
                             "tier", names_of(value.tiers));
}

} // namespace

void check_admission_rules(rule_context& context) {
  const auto& value = context.value();
  check_priorities(context);
  check_defaults(context);
  for (const auto& [name, tier] : value.tiers)
    check_caps(context, entry_path("tiers", name), tier.in_flight_cap,
               tier.queue_cap);
  for (const auto& [name, tenant] : value.tenants) {
    auto prefix = entry_path("tenants", name);
    if (tenant.tier.empty()) {
      context.report(prefix + ".tier",
                     "is required: the name of a [tiers.<name>] table; "
                     "defined: " +
                         name_list(names_of(value.tiers)));
      continue;
    }
    auto tier = value.tiers.find(tenant.tier);
    if (tier == value.tiers.end()) {
      context.report_undefined(prefix + ".tier", tenant.tier, "tier",
                               names_of(value.tiers));
      continue;
    }
    // Only the tenant's own overrides: the tier's values were checked above.
    auto effective = tenant.apply_to(tier->second);
    check_caps(context, prefix,
               tenant.in_flight_cap ? effective.in_flight_cap : 0,
               tenant.queue_cap ? effective.queue_cap : 0);
  }
}

} // namespace warden::config::detail
