#include "api/detail/body.hpp"

#include <algorithm>

namespace warden::api::detail {

namespace {

/// The most of the parser's message a refusal repeats.
constexpr std::size_t max_quoted = 160;

} // namespace

std::variant<nlohmann::json, http_error> json_object_of(std::string_view body,
                                                        const char* code) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    // A parse error ("parse error at line 1, column 11: ..."), or a number
    // beyond a double ("number overflow parsing ..."): the library's text
    // without its tag, cut short (it may quote the body).
    std::string_view what = e.what();
    if (auto tag = what.find("] "); tag != std::string_view::npos)
      what.remove_prefix(tag + 2);
    if (what.size() > max_quoted)
      what = what.substr(0, max_quoted);
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
