#include "net/client_call.hpp"

#include <boost/beast/core/string.hpp>

namespace warden::net {

const std::string* response_head::find(std::string_view name) const {
  boost::beast::string_view wanted{name.data(), name.size()};
  for (const auto& [key, value] : headers)
    if (boost::beast::iequals(key, wanted))
      return &value;
  return nullptr;
}

std::string_view to_string(failure_kind kind) noexcept {
  switch (kind) {
  case failure_kind::dns:
    return "dns";
  case failure_kind::connect:
    return "connect";
  case failure_kind::tls:
    return "tls";
  case failure_kind::reset:
    return "reset";
  case failure_kind::timeout:
    return "timeout";
  case failure_kind::too_large:
    return "too_large";
  case failure_kind::protocol:
    return "protocol";
  case failure_kind::cancelled:
    return "cancelled";
  case failure_kind::overloaded:
    return "overloaded";
  case failure_kind::stopped:
    return "stopped";
  case failure_kind::invalid_request:
    return "invalid_request";
  }
  return "unknown";
}

} // namespace warden::net
