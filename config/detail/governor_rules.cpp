#include <string>

#include "config/detail/rules.hpp"

namespace warden::config::detail {

namespace {

// A kind's layer larger than the global layer could never fill: the global
// layer would bind first, so the file says something it does not do.
void check_kind_limit(rule_context& context, const char* key,
                      const std::optional<std::uint32_t>& limit,
                      std::uint32_t global) {
  const auto& governor = context.value().governor;
  if (!limit || *limit <= global)
    return;
  if (governor.max_global) {
    if (context.usable({"governor.max_global"}))
      context.report(key, "must be at most governor.max_global (" +
                              std::to_string(global) + "), got " +
                              std::to_string(*limit));
  } else if (context.usable({"admission.global_cap"})) {
    context.report(key, "must be at most the global limit, which is "
                        "admission.global_cap (" +
                            std::to_string(global) +
                            ") since governor.max_global is absent, got " +
                            std::to_string(*limit));
  }
}

} // namespace

void check_governor_rules(rule_context& context) {
  const auto& value = context.value();
  auto limits = effective_governor(value.governor, value.admission);
  check_kind_limit(context, "governor.max_model_streams",
                   value.governor.max_model_streams, limits.global);
  check_kind_limit(context, "governor.max_tool_calls",
                   value.governor.max_tool_calls, limits.global);
}

} // namespace warden::config::detail
