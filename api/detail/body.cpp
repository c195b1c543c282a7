#include "api/detail/body.hpp"

#include <algorithm>

namespace warden::api::detail {

std::variant<nlohmann::json, http_error> json_object_of(std::string_view body,
                                                        const char* code) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& e) {
    // "parse error at line 1, column 11: ...", without the library's tag.
    std::string_view what = e.what();
    if (auto tag = what.find("] "); tag != std::string_view::npos)
      what.remove_prefix(tag + 2);
    return refuse(400, code, "the body is not JSON: " + std::string{what});
  }
  if (!doc.is_object())
    return refuse(400, code,
                  std::string{"the body must be a JSON object, got "} +
                      doc.type_name());
  return doc;
}

bool is_name(std::string_view x) noexcept {
  return !x.empty() && x.size() <= 64 &&
         std::all_of(x.begin(), x.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

} // namespace warden::api::detail
