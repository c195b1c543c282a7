#include "config/detail/checks.hpp"

#include <cctype>
#include <cstdio>
#include <sstream>
#include <utility>

namespace warden::config::detail {

namespace {

bool is_bare_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
         c == '_';
}

bool is_valid_ipv6(std::string_view host) {
  if (host.size() < 2 || host.find(':') == std::string_view::npos)
    return false;
  for (auto c : host)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
      return false;
  return true;
}

// A host name, an IPv4 address, or an IPv6 address (without brackets).
bool is_valid_host(std::string_view host) {
  if (host.empty())
    return false;
  if (host.find(':') != std::string_view::npos)
    return is_valid_ipv6(host);
  for (auto c : host)
    if (!is_host_char(c))
      return false;
  return host.front() != '.' && host.front() != '-' && host.back() != '-';
}

// Splits "host:port" or "[v6]:port" into host (without brackets) and port
// text; nothing when there is no port separator or an unbracketed IPv6 host.
std::optional<std::pair<std::string_view, std::string_view>>
split_host_port(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':')
      return std::nullopt;
    return std::pair{text.substr(1, close - 1), text.substr(close + 2)};
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos || text.rfind(':') != colon)
    return std::nullopt;
  return std::pair{text.substr(0, colon), text.substr(colon + 1)};
}

// Parses a decimal port; nothing unless it is 1 to 5 digits below 65536.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return std::nullopt;
  std::uint32_t result = 0;
  for (auto c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    result = result * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (result > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(result);
}

// What an endpoint under `rule` looks like, for messages.
std::string endpoint_form(port_rule rule) {
  return std::string{"\"host:port\" with a port in ["} +
         (rule == port_rule::non_zero ? "1" : "0") + ", 65535]";
}

std::string format_real(double x) {
  std::ostringstream out;
  out << x;
  auto result = out.str();
  if (result.find_first_of(".eEn") == std::string::npos)
    result += ".0";
  return result;
}

bool is_valid_url(std::string_view url) {
  std::string_view rest;
  if (url.rfind("http://", 0) == 0)
    rest = url.substr(7);
  else if (url.rfind("https://", 0) == 0)
    rest = url.substr(8);
  else
    return false;
  for (auto c : url)
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c)))
      return false;
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return false; // credentials belong in api_key_env, not in the URL
  if (auto parts = split_host_port(authority)) {
    auto port = parse_port(parts->second);
    return port && *port != 0 && is_valid_host(parts->first);
  }
  if (authority.size() > 2 && authority.front() == '[' &&
      authority.back() == ']')
    return is_valid_ipv6(authority.substr(1, authority.size() - 2));
  return is_valid_host(authority) &&
         authority.find(':') == std::string_view::npos;
}

} // namespace

std::string check(std::int64_t x, int_range allowed) {
  if (x >= allowed.min && x <= allowed.max)
    return {};
  return "must be in [" + std::to_string(allowed.min) + ", " +
         std::to_string(allowed.max) + "], got " + std::to_string(x);
}

std::string check(double x, real_range allowed) {
  bool above_min = allowed.min_open ? x > allowed.min : x >= allowed.min;
  if (above_min && x <= allowed.max)
    return {};
  return std::string{"must be in "} + (allowed.min_open ? "(" : "[") +
         format_real(allowed.min) + ", " + format_real(allowed.max) +
         "], got " + format_real(x);
}

std::string check(const std::string& x, text_rule rule) {
  switch (rule) {
  case text_rule::any:
    return {};
  case text_rule::non_empty:
    return x.empty() ? "is required (must not be empty)" : std::string{};
  case text_rule::name: {
    if (x.empty())
      return "is required: 1 to 64 characters of [A-Za-z0-9_-]";
    bool ok = !x.empty() && x.size() <= 64;
    for (auto c : x)
      ok = ok && is_bare_key_char(c);
    if (ok)
      return {};
    return "must be 1 to 64 characters of [A-Za-z0-9_-], got " + quoted(x);
  }
  case text_rule::env_var: {
    bool ok = x.empty() || !std::isdigit(static_cast<unsigned char>(x[0]));
    for (auto c : x)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (ok)
      return {};
    return "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), "
           "got " +
           quoted(x);
  }
  case text_rule::header_name: {
    // RFC 9110 token: visible ASCII except delimiters.
    bool ok = !x.empty() && x.size() <= 128;
    for (auto c : x)
      ok = ok && std::isgraph(static_cast<unsigned char>(c)) &&
           std::string_view{"\"(),/:;<=>?@[\\]{}"}.find(c) ==
               std::string_view::npos;
    if (ok)
      return {};
    return "must be an HTTP header name (1 to 128 letters, digits or "
           "!#$%&'*+-.^_`|~), got " +
           quoted(x);
  }
  case text_rule::header_value: {
    // No control characters: a CR or LF would let a value add headers.
    bool ok = true;
    for (auto c : x)
      ok = ok && (c == '\t' || !std::iscntrl(static_cast<unsigned char>(c)));
    if (ok)
      return {};
    return "must not hold control characters (CR, LF, ...)";
  }
  case text_rule::sha256: {
    bool ok = x.empty() || x.size() == 64;
    for (auto c : x)
      ok = ok && std::isxdigit(static_cast<unsigned char>(c));
    if (ok)
      return {};
    // The value is not repeated: it may be a key pasted by mistake.
    return "must be the key's SHA-256 as 64 hex digits (wardenctl "
           "new-api-key prints a key and its digest); the value given (" +
           std::to_string(x.size()) + " characters) is not";
  }
  case text_rule::os_text:
    if (x.find('\0') == std::string::npos)
      return {};
    return "must not contain a NUL character: the operating system ends "
           "the text there";
  case text_rule::url:
    if (x.empty() || is_valid_url(x))
      return {};
    return "must be an http:// or https:// URL with a host (and no "
           "credentials), got " +
           quoted(x);
  }
  return {};
}

std::string check_env_name(const std::string& x) {
  if (x.empty())
    return "is empty; an environment variable needs a name "
           "([A-Za-z_][A-Za-z0-9_]*)";
  return check(x, text_rule::env_var);
}

std::string check_table_key(const std::string& x, text_rule rule) {
  return rule == text_rule::env_var ? check_env_name(x) : check(x, rule);
}

std::string check(const endpoint& x, port_rule rule) {
  if (rule == port_rule::any_or_off && x.is_off() && x.port == 0)
    return {};
  // An address left out (a cluster member's, whose default is none).
  if (x.is_off() && x.port == 0)
    return "is required: " + endpoint_form(rule);
  if (!is_valid_host(x.host) || (rule == port_rule::non_zero && x.port == 0))
    return bad_endpoint(x.to_string(), rule);
  return {};
}

std::optional<endpoint> parse_endpoint(std::string_view text) {
  auto parts = split_host_port(text);
  if (!parts)
    return std::nullopt;
  auto port = parse_port(parts->second);
  if (!port || !is_valid_host(parts->first))
    return std::nullopt;
  return endpoint{std::string{parts->first}, *port};
}

std::string bad_endpoint(std::string_view text, port_rule rule) {
  return "must be " + endpoint_form(rule) + ", got " + quoted(text) +
         (rule == port_rule::any_or_off ? " (\"\" turns it off)" : "");
}

std::string quoted(std::string_view x) {
  std::string result = "\"";
  for (auto c : x) {
    if (c == '"' || c == '\\')
      result += '\\';
    result += c;
  }
  result += '"';
  return result;
}

std::string path_component(std::string_view name) {
  bool bare = !name.empty();
  for (auto c : name)
    bare = bare && is_bare_key_char(c);
  return bare ? std::string{name} : quoted(name);
}

std::string join(const std::string& prefix, std::string_view key) {
  if (prefix.empty())
    return std::string{key};
  std::string result = prefix;
  result += '.';
  result += key;
  return result;
}

} // namespace warden::config::detail
