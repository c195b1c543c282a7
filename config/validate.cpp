#include "config/validate.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "config/detail/checks.hpp"
#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"

namespace warden::config {

void source_map::add(const std::string& key, position where) {
  keys_[key].where = where;
}

void source_map::mark_invalid(const std::string& key) {
  keys_[key].invalid = true;
}

bool source_map::present(const std::string& key) const {
  auto i = keys_.find(key);
  return i != keys_.end() && i->second.where.line > 0;
}

bool source_map::invalid(const std::string& key) const {
  // A key is rejected with its table: check `a`, `a.b`, `a.b[2]`, ...
  for (std::size_t end = 0; end != std::string::npos;) {
    end = key.find_first_of(".[", end + 1);
    auto i = keys_.find(end == std::string::npos ? key : key.substr(0, end));
    if (i != keys_.end() && i->second.invalid)
      return true;
  }
  return false;
}

source_map::position source_map::find(const std::string& key) const {
  auto i = keys_.find(key);
  return i == keys_.end() ? position{} : i->second.where;
}

config_error source_map::error(const std::string& key,
                               std::string message) const {
  auto where = find(key);
  return config_error{file_, where.line, where.column, key, std::move(message)};
}

namespace detail {

bool rule_context::usable(std::initializer_list<std::string> keys) const {
  return std::none_of(keys.begin(), keys.end(),
                      [this](const auto& key) { return where_.invalid(key); });
}

void rule_context::report(const std::string& key, std::string message) {
  if (!where_.invalid(key))
    errors_.push_back(where_.error(key, std::move(message)));
}

void rule_context::report_near(const std::string& key,
                               const std::string& instead,
                               std::string message) {
  if (where_.invalid(key) || where_.invalid(instead))
    return;
  // A value the file writes (an empty one included) is reported there.
  auto at = where_.find(where_.present(key) ? key : instead);
  errors_.push_back(
      config_error{where_.file(), at.line, at.column, key, std::move(message)});
}

void rule_context::report_undefined(const std::string& key,
                                    const std::string& name, const char* what,
                                    const std::vector<std::string>& defined) {
  report(key, undefined_message(name, what, defined));
}

std::string undefined_message(const std::string& name, const char* what,
                              const std::vector<std::string>& defined) {
  std::string message = "`" + name + "` is not a defined " + what +
                        "; defined: " + name_list(defined);
  if (auto guess = closest(name, defined); !guess.empty())
    message += " (did you mean `" + guess + "`?)";
  return message;
}

void sort_in_file_order(config_errors& errors) {
  auto rank = [](const config_error& x) {
    return std::pair{x.line == 0 ? SIZE_MAX : x.line, x.column};
  };
  std::stable_sort(errors.begin(), errors.end(),
                   [&](const config_error& x, const config_error& y) {
                     return rank(x) < rank(y);
                   });
}

std::string entry_path(const char* section, const std::string& name) {
  return join(section, path_component(name));
}

} // namespace detail

config_errors validate(const settings& value, const source_map& where) {
  config_errors result;
  // Values out of range are marked so that rules involving them keep quiet.
  auto checked = where;
  detail::check_values(value, checked, result);
  detail::rule_context context{value, checked, result};
  detail::check_node_rules(context);
  detail::check_cluster_rules(context);
  detail::check_tls_rules(context);
  detail::check_api_rules(context);
  detail::check_admission_rules(context);
  detail::check_governor_rules(context);
  detail::check_dependency_rules(context);
  detail::check_agent_rules(context);
  detail::sort_in_file_order(result);
  return result;
}

} // namespace warden::config
