#include "config/detail/rules.hpp"

namespace warden::config::detail {

namespace {

bool is_wildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::" || host.empty();
}

// Two listeners clash when they bind the same port on overlapping hosts;
// ephemeral ports (0) never clash.
bool clash(const endpoint& x, const endpoint& y) {
  return x.port != 0 && x.port == y.port &&
         (x.host == y.host || is_wildcard(x.host) || is_wildcard(y.host));
}

/// Reports `second` when it binds the port of `first` (both "section.listen"
/// keys); the key the file sets is named, so that the error has a line.
void check_clash(rule_context& context, const char* first_key,
                 const endpoint& first, const char* second_key,
                 const endpoint& second) {
  if (!context.usable({first_key, second_key}) || !clash(first, second))
    return;
  bool name_second = context.present(second_key) || !context.present(first_key);
  const auto* key = name_second ? second_key : first_key;
  const auto* other_key = name_second ? first_key : second_key;
  const auto& value = name_second ? second : first;
  const auto& other = name_second ? first : second;
  context.report(key, std::string{"must not use the port of "} + other_key +
                          " (" + other.to_string() + "), got " +
                          value.to_string());
}

} // namespace

void check_node_rules(rule_context& context) {
  const auto& node = context.value().node;
  const auto& metrics = context.value().metrics;
  const auto& api = context.value().api;
  check_clash(context, "node.listen", node.listen, "metrics.listen",
              metrics.listen);
  check_clash(context, "node.listen", node.listen, "api.listen", api.listen);
  check_clash(context, "metrics.listen", metrics.listen, "api.listen",
              api.listen);
  // Sessions running a turn stay resident, so the cap on resident sessions
  // must hold every run the node admits.
  const auto& sessions = context.value().sessions;
  auto global_cap = context.value().admission.global_cap;
  if (sessions.max_resident != 0 && sessions.max_resident < global_cap &&
      context.usable({"admission.global_cap"}))
    context.report("sessions.max_resident",
                   "must be 0 (no limit) or at least admission.global_cap (" +
                       std::to_string(global_cap) +
                       ") since running sessions stay resident, got " +
                       std::to_string(sessions.max_resident));
}

} // namespace warden::config::detail
