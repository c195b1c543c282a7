#include "policies/concurrency_limits.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace warden::policies {

// -- permit -------------------------------------------------------------------

permit::permit(permit&& other) noexcept
    : first_(std::exchange(other.first_, nullptr)),
      second_(std::exchange(other.second_, nullptr)) {}

permit& permit::operator=(permit&& other) noexcept {
  if (this != &other) {
    release();
    first_ = std::exchange(other.first_, nullptr);
    second_ = std::exchange(other.second_, nullptr);
  }
  return *this;
}

void permit::release() noexcept {
  if (first_ != nullptr) {
    assert(first_->in_use > 0);
    --first_->in_use;
    first_ = nullptr;
  }
  if (second_ != nullptr) {
    assert(second_->in_use > 0);
    --second_->in_use;
    second_ = nullptr;
  }
}

// -- permit_pool --------------------------------------------------------------

permit_pool::permit_pool(std::uint32_t capacity) noexcept
    : slots_{capacity, 0} {}

permit_pool::~permit_pool() {
  assert(slots_.in_use == 0 && "a permit outlived its permit_pool");
}

permit permit_pool::try_acquire() noexcept {
  if (slots_.full())
    return {};
  ++slots_.in_use;
  return permit{&slots_, nullptr};
}

// -- concurrency_limits -------------------------------------------------------

const char* to_string(permit_kind x) noexcept {
  switch (x) {
  case permit_kind::model_stream:
    return "model_stream";
  case permit_kind::tool_call:
    return "tool_call";
  }
  return "unknown";
}

const char* to_string(permit_layer x) noexcept {
  switch (x) {
  case permit_layer::model_streams:
    return "model_streams";
  case permit_layer::tool_calls:
    return "tool_calls";
  case permit_layer::global:
    return "global";
  }
  return "unknown";
}

namespace {

permit_decision refuse(permit_layer full, std::uint32_t capacity,
                       const char* config_key) {
  permit_decision result;
  result.full_layer = full;
  result.reason = std::string{"the "} + to_string(full) +
                  " layer is full: " + std::to_string(capacity) +
                  " permits in use, the " + config_key + " limit";
  return result;
}

} // namespace

concurrency_limits::concurrency_limits(
    concurrency_limits_config config) noexcept
    : config_(config),
      model_streams_{config.max_model_streams, 0},
      tool_calls_{config.max_tool_calls, 0},
      global_{config.max_global, 0} {}

concurrency_limits::~concurrency_limits() {
  assert(global_.in_use == 0 && "a permit outlived its concurrency_limits");
}

permit_decision concurrency_limits::try_acquire(permit_kind kind) {
  auto& own = layer(kind);
  if (own.full()) {
    if (kind == permit_kind::model_stream)
      return refuse(permit_layer::model_streams, own.capacity,
                    "max_model_streams");
    return refuse(permit_layer::tool_calls, own.capacity, "max_tool_calls");
  }
  if (global_.full())
    return refuse(permit_layer::global, global_.capacity, "max_global");
  ++own.in_use;
  ++global_.in_use;
  permit_decision result;
  result.grant = permit{&own, &global_};
  return result;
}

std::uint32_t concurrency_limits::available(permit_kind kind) const noexcept {
  return std::min(layer(kind).available(), global_.available());
}

} // namespace warden::policies
