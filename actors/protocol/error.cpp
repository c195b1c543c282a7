#include "actors/protocol/error.hpp"

#include <caf/message.hpp>

#include "logging/log.hpp"

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
  case error_code::unavailable:
    return "unavailable";
  case error_code::data_loss:
    return "data_loss";
  case error_code::conflict:
    return "conflict";
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

error_code storage_code(storage::failure_kind kind) noexcept {
  switch (kind) {
  case storage::failure_kind::unavailable:
    return error_code::unavailable;
  case storage::failure_kind::damaged:
    return error_code::data_loss;
  case storage::failure_kind::invalid:
    break;
  }
  return error_code::dependency_failed;
}

std::string storage_sentence(storage::failure_kind kind) {
  switch (kind) {
  case storage::failure_kind::unavailable:
    return "the node's storage is not accepting writes now";
  case storage::failure_kind::damaged:
    return "stored data is damaged (the operator's log names the file)";
  case storage::failure_kind::invalid:
    break;
  }
  return "storage refused the operation (the operator's log has the cause)";
}

caf::error storage_failure(const storage::storage_error& err,
                           const std::string& what) {
  logging::error("storage", what + ": " + err.to_string());
  auto code = storage_code(err.kind);
  auto reason = what + ": " + storage_sentence(err.kind);
  if (code == error_code::unavailable)
    return make_error(code, std::move(reason), storage_retry_after);
  return make_error(code, std::move(reason));
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
