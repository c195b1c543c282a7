#pragma once

// What a model is told about each tool: its description and the JSON
// schema of its arguments, for the built-in kinds and for tools registered
// from C++.

#include <map>
#include <string>

#include <caf/expected.hpp>

#include "actors/dependencies/openai/request.hpp"
#include "actors/dependencies/tool_registry.hpp"
#include "config/dependencies.hpp"

namespace warden {

/// The definitions of the configured `tools`: built-in kinds describe
/// themselves (each takes {"text": string}); a native tool takes the
/// description and schema it was registered with. An invalid_argument
/// error names a registered schema that is not a JSON object.
caf::expected<openai::tool_catalog>
tool_catalog_of(const std::map<std::string, config::tool_settings>& tools,
                const tool_registry& registry);

} // namespace warden
