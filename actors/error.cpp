#include "actors/error.hpp"

#include <caf/message.hpp>

namespace warden {

const char* to_string(error_code x) noexcept {
  switch (x) {
  case error_code::budget_exhausted:
    return "budget_exhausted";
  case error_code::cap_exceeded:
    return "cap_exceeded";
  case error_code::queue_full:
    return "queue_full";
  case error_code::circuit_open:
    return "circuit_open";
  case error_code::rate_limited:
    return "rate_limited";
  case error_code::invalid_argument:
    return "invalid_argument";
  case error_code::not_found:
    return "not_found";
  case error_code::draining:
    return "draining";
  case error_code::timeout:
    return "timeout";
  case error_code::cancelled:
    return "cancelled";
  case error_code::halted:
    return "halted";
  case error_code::dependency_failed:
    return "dependency_failed";
  }
  return "unknown";
}

caf::error make_error(error_code x) {
  return caf::error{static_cast<std::uint8_t>(x), error_category};
}

caf::error make_error(error_code x, std::string reason) {
  return caf::error{static_cast<std::uint8_t>(x), error_category,
                    caf::make_message(std::move(reason))};
}

caf::error make_error(error_code x, std::string reason,
                      std::chrono::milliseconds retry_after) {
  return caf::error{
      static_cast<std::uint8_t>(x), error_category,
      caf::make_message(std::move(reason),
                        static_cast<std::int64_t>(retry_after.count()))};
}

std::optional<error_code> warden_code(const caf::error& err) noexcept {
  if (!err || err.category() != error_category)
    return std::nullopt;
  return static_cast<error_code>(err.code());
}

std::string error_reason(const caf::error& err) {
  if (warden_code(err)) {
    const auto& ctx = err.context();
    if (ctx.size() >= 1 && ctx.match_element<std::string>(0))
      return ctx.get_as<std::string>(0);
    return to_string(static_cast<error_code>(err.code()));
  }
  return caf::to_string(err);
}

std::optional<std::chrono::milliseconds>
error_retry_after(const caf::error& err) {
  if (!warden_code(err))
    return std::nullopt;
  const auto& ctx = err.context();
  if (ctx.size() >= 2 && ctx.match_element<std::int64_t>(1))
    return std::chrono::milliseconds{ctx.get_as<std::int64_t>(1)};
  return std::nullopt;
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(error_category, [](std::uint8_t code, caf::atom_value,
                                            const caf::message& ctx) {
    std::string result = "warden.";
    result += to_string(static_cast<error_code>(code));
    if (ctx.size() >= 1 && ctx.match_element<std::string>(0)) {
      result += ": ";
      result += ctx.get_as<std::string>(0);
    }
    return result;
  });
}

} // namespace warden
