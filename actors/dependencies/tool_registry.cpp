#include "actors/dependencies/tool_registry.hpp"

#include <utility>

#include "actors/protocol/error.hpp"

namespace warden {

caf::error tool_registry::add(std::string name, tool_options options,
                              tool_function function) {
  if (name.empty())
    return make_error(error_code::invalid_argument,
                      "a tool cannot be registered without a name");
  if (!function)
    return make_error(error_code::invalid_argument,
                      "tool '" + name + "' registered without a function");
  if (tools_.count(name) > 0)
    return make_error(error_code::invalid_argument,
                      "tool '" + name + "' is already registered");
  tools_.emplace(std::move(name),
                 registered_tool{options, std::move(function)});
  return caf::none;
}

const registered_tool* tool_registry::find(const std::string& name) const {
  auto i = tools_.find(name);
  return i == tools_.end() ? nullptr : &i->second;
}

std::vector<std::string> tool_registry::names() const {
  std::vector<std::string> result;
  result.reserve(tools_.size());
  for (const auto& entry : tools_)
    result.push_back(entry.first);
  return result;
}

std::vector<std::string> missing_native_tools(
    const tool_registry& registry,
    const std::map<std::string, config::tool_settings>& tools) {
  std::vector<std::string> result;
  for (const auto& [name, settings] : tools)
    if (settings.kind == config::tool_kind::native &&
        registry.find(name) == nullptr)
      result.push_back(name);
  return result;
}

caf::error
check_native_tools(const tool_registry& registry,
                   const std::map<std::string, config::tool_settings>& tools) {
  auto missing = missing_native_tools(registry, tools);
  if (missing.empty())
    return caf::none;
  std::string names;
  for (const auto& name : missing)
    names += (names.empty() ? "'" : ", '") + name + "'";
  return make_error(error_code::invalid_argument,
                    "native tool" +
                        std::string{missing.size() > 1 ? "s " : " "} + names +
                        (missing.size() > 1 ? " are" : " is") +
                        " configured but not registered");
}

config::side_effect_kind stricter(config::side_effect_kind a,
                                  config::side_effect_kind b) noexcept {
  return a > b ? a : b;
}

} // namespace warden
