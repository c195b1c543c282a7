#pragma once

#include <string>
#include <string_view>

#include "config/error.hpp"
#include "config/settings.hpp"
#include "config/validate.hpp"

// The one place that knows TOML (toml11 stays out of every other file).
namespace warden::config::detail {

/// Parses `text` and fills `out` from it. Records where each key is in
/// `where`, and appends to `errors` every value of the wrong type or out of
/// its range (leaving the member at its default), every unknown key, and a
/// malformed file (then `out` stays default). Returns false when the text is
/// not TOML at all; cross-field rules are left to validate().
bool read_toml(std::string_view text, const std::string& file_name,
               settings& out, source_map& where, config_errors& errors);

} // namespace warden::config::detail
