#include "config/env_references.hpp"

#include <cctype>
#include <cstdlib>

namespace warden::config {

namespace {

bool is_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (auto c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

expanded_text failed(std::string problem) {
  expanded_text result;
  result.problem = std::move(problem);
  return result;
}

} // namespace

env_lookup process_environment() {
  return [](const std::string& name) { return std::getenv(name.c_str()); };
}

expanded_text expand_env_references(std::string_view text,
                                    const env_lookup& lookup) {
  expanded_text result;
  std::size_t at = 0;
  while (at < text.size()) {
    auto start = text.find("${", at);
    if (start == std::string_view::npos) {
      result.text.append(text.substr(at));
      break;
    }
    result.text.append(text.substr(at, start - at));
    auto end = text.find('}', start + 2);
    if (end == std::string_view::npos)
      return failed("has a ${ without its closing }");
    auto name = std::string{text.substr(start + 2, end - start - 2)};
    // The name is not quoted back when it is not one: it could be a
    // secret pasted in by mistake.
    if (!is_env_name(name))
      return failed("refers to ${...} with something that is not an "
                    "environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    const char* value = lookup(name);
    if (value == nullptr || *value == '\0')
      return failed("refers to environment variable " + name +
                    ", which is unset or empty in wardend's environment");
    result.text.append(value);
    result.values.emplace_back(value);
    at = end + 1;
  }
  return result;
}

} // namespace warden::config
