#include "actors/dependencies/tool_schemas.hpp"

#include <nlohmann/json.hpp>

#include "actors/protocol/error.hpp"

namespace warden {

namespace {

/// The schema of the built-ins' arguments: one text, described by `what`.
std::string text_schema(const std::string& what) {
  nlohmann::json schema{
      {"type", "object"},
      {"properties", {{"text", {{"type", "string"}, {"description", what}}}}},
      {"required", {"text"}}};
  return schema.dump();
}

openai::tool_definition builtin(const config::tool_settings& tool) {
  openai::tool_definition out;
  switch (tool.kind) {
  case config::tool_kind::echo:
    out.description = "Returns the text it is given.";
    out.parameters = text_schema("The text to return.");
    break;
  case config::tool_kind::sleep:
    out.description =
        "Waits " + std::to_string(tool.duration_ms) + " ms, then says so.";
    break;
  case config::tool_kind::fail:
    out.description = "Fails its first calls, then succeeds (for tests).";
    break;
  case config::tool_kind::append_file:
    out.description = "Appends the text as one line to a log.";
    out.parameters = text_schema("The line to append.");
    break;
  case config::tool_kind::spawn_agent:
    out.description = "Asks the agent '" + tool.agent +
                      "' to work on the text and returns its answer.";
    out.parameters = text_schema("The task for the agent.");
    break;
  case config::tool_kind::command:
    // The arguments reach the program as they are: no schema is imposed.
    out.description = "Runs " + tool.command +
                      " with the arguments as JSON on its standard input "
                      "and returns what it prints.";
    break;
  case config::tool_kind::http:
    // The URL has no user information or query (config refuses them).
    out.description = "POSTs the arguments as JSON to " + tool.url +
                      " and returns the answer's body.";
    break;
  case config::tool_kind::native:
  case config::tool_kind::mcp: // described by its server (mcp::offered_tool)
    break;
  }
  return out;
}

} // namespace

caf::expected<openai::tool_catalog>
tool_catalog_of(const std::map<std::string, config::tool_settings>& tools,
                const tool_registry& registry) {
  openai::tool_catalog catalog;
  for (const auto& [name, tool] : tools) {
    if (tool.kind != config::tool_kind::native) {
      catalog[name] = builtin(tool);
      continue;
    }
    const auto* registered = registry.find(name);
    if (registered == nullptr)
      continue; // reported by check_native_tools
    const auto& options = registered->options;
    if (!nlohmann::json::parse(options.parameters, nullptr, false).is_object())
      return make_error(error_code::invalid_argument,
                        "tool " + name +
                            ": its registered parameters are not a JSON "
                            "object schema");
    catalog[name] = {options.description, options.parameters};
  }
  return catalog;
}

} // namespace warden
