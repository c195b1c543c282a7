#include "net/url.hpp"

#include <algorithm>
#include <cctype>

namespace warden::net {

namespace {

/// Whether `c` may stand in a host name or an IPv4 address (RFC 3986
/// reg-name without percent-encoding and sub-delimiters: DNS names are
/// letters, digits, hyphens, dots, and underscores in the wild).
bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
         c == '.' || c == '_';
}

/// Whether `c` may stand in a bracketed IPv6 address (with an embedded
/// IPv4 part).
bool ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' ||
         c == '.';
}

/// Whether `c` may stand in a path (RFC 3986 pchar and `/`, with
/// percent-encoding).
bool path_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0)
    return true;
  return std::string_view{"-._~!$&'()*+,;=:@/%"}.find(c) !=
         std::string_view::npos;
}

std::string lower(std::string_view text) {
  std::string result{text};
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return result;
}

/// The port of `text` (1 to 65535, digits only), or 0.
std::uint16_t read_port(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return 0;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return 0;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535 ? static_cast<std::uint16_t>(value) : 0;
}

/// Why `text` is no base URL, or empty when it is one; fills `out`.
std::string read(std::string_view text, url& out) {
  for (char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f')
      return "holds white space or a control character";
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos)
    return "has no scheme (http:// or https://)";
  auto scheme = lower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https")
    return "has the scheme '" + scheme + "' (http or https only)";
  out.tls = scheme == "https";
  auto rest = text.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return "has a query or fragment (a base URL has a path only)";
  auto authority = rest.substr(0, rest.find('/'));
  auto path = rest.substr(authority.size());
  if (authority.find('@') != std::string_view::npos)
    return "has user information (credentials go in a header)";
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return "has an IPv6 address without its closing ']'";
    auto address = authority.substr(1, close - 1);
    if (address.empty() ||
        !std::all_of(address.begin(), address.end(), ipv6_char))
      return "has a malformed IPv6 address";
    out.host = lower(address);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return "has characters after the IPv6 address";
      port_text = after.substr(1);
      if (port_text.empty())
        return "has an empty port";
    }
  } else {
    auto colon = authority.find(':');
    auto host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty())
        return "has an empty port";
    }
    if (!std::all_of(host.begin(), host.end(), host_char))
      return "has a host with characters a host name cannot hold";
    out.host = lower(host);
  }
  if (out.host.empty())
    return "has no host";
  out.port = out.tls ? 443 : 80;
  if (!port_text.empty()) {
    out.port = read_port(port_text);
    if (out.port == 0)
      return "has the port '" + std::string{port_text} +
             "' (a number from 1 to 65535)";
  }
  if (!std::all_of(path.begin(), path.end(), path_char))
    return "has a path with characters a path cannot hold";
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  out.base_path = std::string{path};
  return {};
}

} // namespace

std::string url::target(std::string_view path) const {
  std::string result = base_path;
  result.append(path.data(), path.size());
  if (result.empty())
    result = "/";
  return result;
}

std::string url::authority() const {
  bool ipv6 = host.find(':') != std::string::npos;
  std::string result = ipv6 ? "[" + host + "]" : host;
  result += ':';
  result += std::to_string(port);
  return result;
}

std::string url::host_field() const {
  if (port != (tls ? 443 : 80))
    return authority();
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::optional<url> parse_url(std::string_view text, std::string& error) {
  url result;
  auto why = read(text, result);
  if (why.empty())
    return result;
  // The input is not quoted: it may hold credentials (user information).
  error = "the URL " + why;
  return std::nullopt;
}

} // namespace warden::net
