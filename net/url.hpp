#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::net {

/// Where an http_client sends: scheme, host, port and the path every
/// request target starts with, as read from a base URL such as
/// `https://api.openai.com/v1`.
struct url {
  /// Whether the scheme is `https`.
  bool tls = false;
  /// Host name or IP address, lower-cased; an IPv6 address without its
  /// brackets.
  std::string host;
  /// TCP port; the scheme's (80, 443) when the URL names none.
  std::uint16_t port = 80;
  /// The path, without a trailing `/` (`/v1`); empty for the root.
  std::string base_path;

  /// The target of a request to `path` under the base path:
  /// `/v1` + `/chat/completions`. `path` starts with `/`.
  [[nodiscard]] std::string target(std::string_view path) const;

  /// `host:port` as it is written in messages and in the Host field (an
  /// IPv6 address in brackets).
  [[nodiscard]] std::string authority() const;

  /// The Host field: authority(), without the port when it is the
  /// scheme's.
  [[nodiscard]] std::string host_field() const;
};

/// Reads a base URL: `http` or `https` (any case), `://`, a host (a name,
/// an IPv4 address or a bracketed IPv6 address), an optional port, an
/// optional path. On bad input returns nothing and sets `error` to a
/// sentence naming what is wrong (another scheme, no host, a bad port,
/// user information, a query or fragment, white space or control
/// characters); it does not quote the input, which may hold credentials.
[[nodiscard]] std::optional<url> parse_url(std::string_view text,
                                           std::string& error);

} // namespace warden::net
