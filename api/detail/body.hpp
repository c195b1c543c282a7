#pragma once

// Reading request bodies: shared by the REST resources and the front door.
// Private to api/.

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "api/errors.hpp"

namespace warden::api::detail {

/// The body as a JSON object, or a 400 with `code` naming what is wrong
/// (the parser's line and column, or the type found).
[[nodiscard]] std::variant<nlohmann::json, http_error>
json_object_of(std::string_view body, const char* code);

/// Whether `x` is a name: 1 to 64 of [A-Za-z0-9_-] (agents, tenants).
[[nodiscard]] bool is_name(std::string_view x) noexcept;

} // namespace warden::api::detail
