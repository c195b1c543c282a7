#pragma once

#include <string_view>

namespace warden::api {

/// The OpenAPI 3 document of the API (api/openapi/openapi.json, built into
/// the program), served at `GET /v1/openapi.json`.
[[nodiscard]] std::string_view openapi_document() noexcept;

} // namespace warden::api
