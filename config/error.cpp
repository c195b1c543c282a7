#include "config/error.hpp"

namespace warden::config {

std::string config_error::to_string() const {
  std::string result = file;
  if (line > 0) {
    result += ':' + std::to_string(line);
    if (column > 0)
      result += ':' + std::to_string(column);
  }
  if (!key.empty()) {
    if (!result.empty())
      result += ": ";
    result += key;
  }
  if (!result.empty())
    result += ": ";
  result += message;
  return result;
}

} // namespace warden::config
