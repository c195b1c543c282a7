// The text side of admission: names of its decision values and the checks of
// its configuration. Declared in policies/admission.hpp.
#include "policies/admission.hpp"

namespace warden::policies {

const char* to_string(rejection_reason x) noexcept {
  switch (x) {
  case rejection_reason::unknown_tenant:
    return "unknown_tenant";
  case rejection_reason::unknown_priority:
    return "unknown_priority";
  case rejection_reason::duplicate_request:
    return "duplicate_request";
  case rejection_reason::tenant_queue_full:
    return "tenant_queue_full";
  case rejection_reason::global_queue_full:
    return "global_queue_full";
  }
  return "unknown";
}

const char* to_string(shed_reason x) noexcept {
  switch (x) {
  case shed_reason::shed_for_higher_priority:
    return "shed_for_higher_priority";
  }
  return "unknown";
}

const char* to_string(admission_outcome x) noexcept {
  switch (x) {
  case admission_outcome::admitted:
    return "admitted";
  case admission_outcome::queued:
    return "queued";
  case admission_outcome::rejected:
    return "rejected";
  case admission_outcome::shed:
    return "shed";
  }
  return "unknown";
}

std::vector<admission_config_problem> validate(const admission_config& config) {
  std::vector<admission_config_problem> problems;
  auto add = [&](std::string key, std::string message) {
    problems.push_back({std::move(key), std::move(message)});
  };
  if (config.global_cap == 0)
    add("global_cap", "must be at least 1, got 0");
  const auto& classes = config.priorities;
  // Two queue levels per class (continuations, new runs) in 64-bit masks.
  if (classes.empty() || classes.size() > 32)
    add("priorities", "must list between 1 and 32 classes, got " +
                          std::to_string(classes.size()));
  std::uint64_t reserved = 0;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    auto key = "priorities[" + std::to_string(i) + "]";
    if (classes[i].name.empty())
      add(key + ".name", "must not be empty");
    for (std::size_t j = 0; j < i; ++j)
      if (!classes[i].name.empty() && classes[j].name == classes[i].name)
        add(key + ".name", "\"" + classes[i].name + "\" names class " +
                               std::to_string(j) + " already");
    reserved += classes[i].reserved;
  }
  if (config.global_cap > 0 && reserved >= config.global_cap)
    add("priorities", "reserved slots add up to " + std::to_string(reserved) +
                          ", which must be below global_cap " +
                          std::to_string(config.global_cap));
  return problems;
}

} // namespace warden::policies
