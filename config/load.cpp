#include "config/load.hpp"

// Placeholder until the TOML loader lands: accepts nothing.
namespace warden::config {

std::string config_error::to_string() const { return file + ": " + message; }

load_result load_file(const std::string& path) {
  return load_result{{}, {config_error{path, 0, 0, "", "not implemented"}}};
}

load_result load_string(std::string_view, const std::string& file_name) {
  return load_result{{}, {config_error{file_name, 0, 0, "", "not implemented"}}};
}

} // namespace warden::config
