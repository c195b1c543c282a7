#include "config/load.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/command_path.hpp"
#include "config/detail/rules.hpp"
#include "config/detail/toml_reader.hpp"
#include "config/validate.hpp"

namespace warden::config {

load_result load_file(const std::string& path) {
  std::error_code failure;
  if (std::filesystem::is_directory(path, failure))
    return load_result{{},
                       {config_error{path, 0, 0, "",
                                     "cannot read the configuration: "
                                     "is a directory"}}};
  errno = 0;
  std::ifstream input{path, std::ios::binary};
  if (!input) {
    auto reason = errno != 0 ? std::strerror(errno) : "cannot open";
    return load_result{{},
                       {config_error{path, 0, 0, "",
                                     std::string{"cannot read the "
                                                 "configuration: "} +
                                         reason}}};
  }
  std::ostringstream text;
  text << input.rdbuf();
  if (input.bad())
    return load_result{{},
                       {config_error{path, 0, 0, "",
                                     "cannot read the configuration: "
                                     "read error"}}};
  return load_string(text.str(), path);
}

load_result load_string(std::string_view text, const std::string& file_name) {
  load_result result;
  source_map where{file_name};
  if (!detail::read_toml(text, file_name, result.value, where, result.errors))
    return result;
  // Before validation, so that the node runs the path that was checked.
  resolve_commands(result.value);
  auto problems = validate(result.value, where);
  result.errors.insert(result.errors.end(), problems.begin(), problems.end());
  detail::sort_in_file_order(result.errors);
  return result;
}

} // namespace warden::config
