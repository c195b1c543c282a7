// Fuzz target: the configuration loader and validator. The input is the text
// of a TOML file; config::load_string parses it (toml11), reads it into
// settings and validates them. It must never throw or crash, and every error
// must name the file and a position inside it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "config/load.hpp"
#include "config/validate.hpp"

#include "fuzz/support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using warden::fuzz::require;
  auto text = warden::fuzz::as_text(data, size);
  const std::string file_name = "fuzz.toml";
  auto result = warden::config::load_string(text, file_name);
  auto lines =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& err : result.errors) {
    auto check = [&](bool condition, const char* what) {
      if (!condition)
        std::fprintf(stderr, "the error: %s\n", err.to_string().c_str());
      require(condition, what);
    };
    check(err.file == file_name, "an error names another file");
    check(!err.message.empty(), "an error without a message");
    check(err.line <= lines, "an error names a line past the end");
    check(err.line != 0 || err.column == 0, "a column without a line");
  }
  if (result.ok())
    require(warden::config::validate(result.value).empty(),
            "settings that load cleanly fail validation without a file");
  return 0;
}
