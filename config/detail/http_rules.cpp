#include <fstream>
#include <set>

#include "config/detail/checks.hpp"
#include "config/detail/names.hpp"
#include "config/detail/rules.hpp"
#include "config/env_references.hpp"
#include "net/url.hpp"

namespace warden::config::detail {

namespace {

std::string lower(std::string text) {
  for (auto& c : text)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return text;
}

/// Fields an http tool writes itself: framing is the client's, the body's
/// type the tool's.
bool set_by_the_tool(const std::string& lower_name) {
  return lower_name == "content-length" || lower_name == "transfer-encoding" ||
         lower_name == "content-type";
}

void check_headers(rule_context& context, const std::string& base,
                   const std::map<std::string, std::string>& headers) {
  if (!context.usable({base}))
    return;
  std::set<std::string> seen;
  auto environment = process_environment();
  for (const auto& [name, value] : headers) {
    auto path = join(base, path_component(name));
    auto folded = lower(name);
    if (set_by_the_tool(folded)) {
      context.report(path, "is set by the tool itself (the body is the "
                           "call's JSON arguments)");
      continue;
    }
    if (!seen.insert(folded).second) {
      context.report(path, "names the header " + quoted(name) +
                               " again (header names ignore case)");
      continue;
    }
    // Checked with wardend's environment as it is now: the tool reads it
    // again when it starts, in the same process.
    auto expanded = expand_env_references(value, environment);
    if (!expanded.problem.empty())
      context.report(path, expanded.problem);
    else if (!check(expanded.text, text_rule::header_value).empty())
      context.report(path, "takes a control character (CR, LF, ...) from "
                           "an environment variable it refers to");
  }
}

} // namespace

void check_http_tool(rule_context& context, const std::string& prefix,
                     const tool_settings& tool) {
  auto key = [&](const char* name) { return prefix + "." + name; };
  if (tool.kind != tool_kind::http) {
    refuse_keys_of(context, prefix, {"url", "headers", "ca_file"},
                   "kind = \"http\"", tool.kind);
    return;
  }
  if (tool.url.empty()) {
    context.report_missing(key("url"), key("kind"),
                           "is required for kind = \"http\": the http:// or "
                           "https:// URL each call POSTs its arguments to");
  } else if (context.usable({key("url")})) {
    std::string problem;
    auto origin = net::parse_url(tool.url, problem);
    if (!origin)
      context.report(key("url"), "cannot be used: " + problem);
    else if (!origin->tls && !tool.ca_file.empty())
      context.report(key("ca_file"), "only applies to an https:// url");
  }
  if (!tool.ca_file.empty() && context.usable({key("ca_file")}) &&
      !std::ifstream{tool.ca_file})
    context.report(key("ca_file"), quoted(tool.ca_file) +
                                       " cannot be read: the tool could "
                                       "not check its server");
  check_headers(context, key("headers"), tool.headers);
}

} // namespace warden::config::detail
