#include "actors/detail/tool_arguments.hpp"

#include <nlohmann/json.hpp>

namespace warden::detail {

normalized_arguments normalize_arguments(std::string_view payload) {
  if (payload.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return {true, "{}"};
  try {
    // nlohmann::json keeps objects in a std::map: dump() sorts their keys.
    auto value = nlohmann::json::parse(payload);
    return {true, value.dump(-1, ' ', false,
                             nlohmann::json::error_handler_t::replace)};
  } catch (const nlohmann::json::exception& e) {
    return {false, e.what()};
  }
}

} // namespace warden::detail
