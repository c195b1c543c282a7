#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace warden::policies {

namespace detail {

/// One layer of permits: a capacity and the number of permits taken from it.
struct permit_slots {
  /// Permits this layer may hand out at the same time.
  std::uint32_t capacity = 0;
  /// Permits currently held against this layer.
  std::uint32_t in_use = 0;

  [[nodiscard]] bool full() const noexcept { return in_use >= capacity; }

  [[nodiscard]] std::uint32_t available() const noexcept {
    return in_use < capacity ? capacity - in_use : 0;
  }
};

} // namespace detail

/// A move-only handle on one slot of one or two permit layers. Releases every
/// layer it holds exactly once: on destruction or by an explicit `release()`,
/// whichever comes first. A moved-from permit is empty and releases nothing.
///
/// Lifetime rule: a permit must not outlive the `permit_pool` or
/// `concurrency_limits` that granted it (it points into that object). Debug
/// builds (NDEBUG unset) assert this when the owner is destroyed while permits
/// are outstanding. Not thread-safe: release a permit on the owner's thread.
class permit {
 public:
  /// An empty permit that holds nothing.
  permit() noexcept = default;

  /// Takes over what `other` holds; `other` becomes empty.
  permit(permit&& other) noexcept;

  /// Releases what this permit holds, then takes over what `other` holds.
  permit& operator=(permit&& other) noexcept;

  permit(const permit&) = delete;
  permit& operator=(const permit&) = delete;

  /// Releases what this permit still holds.
  ~permit() { release(); }

  /// Returns the slots to their layers now; a no-op on an empty permit.
  void release() noexcept;

  /// Whether this permit still holds its slots.
  [[nodiscard]] bool held() const noexcept { return first_ != nullptr; }

  /// Same as `held()`.
  explicit operator bool() const noexcept { return held(); }

 private:
  friend class permit_pool;
  friend class concurrency_limits;

  permit(detail::permit_slots* first, detail::permit_slots* second) noexcept
      : first_(first), second_(second) {}

  detail::permit_slots* first_ = nullptr;
  detail::permit_slots* second_ = nullptr;
};

/// A single layer of permits, e.g. an agent pool's max_concurrency. Neither
/// copyable nor movable (granted permits point into it). Not thread-safe:
/// owned by one actor.
class permit_pool {
 public:
  /// Creates a pool of `capacity` permits; a capacity of 0 grants nothing.
  explicit permit_pool(std::uint32_t capacity) noexcept;

  permit_pool(const permit_pool&) = delete;
  permit_pool& operator=(const permit_pool&) = delete;

  /// Asserts (debug builds only) that no permit outlives the pool.
  ~permit_pool();

  /// Takes one permit, or returns an empty permit when the pool is full.
  [[nodiscard]] permit try_acquire() noexcept;

  /// Changes the capacity. Lowering it below `in_use()` revokes nothing: new
  /// permits are refused until enough held ones come back.
  void set_capacity(std::uint32_t capacity) noexcept {
    slots_.capacity = capacity;
  }

  /// Permits currently held.
  [[nodiscard]] std::uint32_t in_use() const noexcept { return slots_.in_use; }

  /// Permits that `try_acquire` could still grant now.
  [[nodiscard]] std::uint32_t available() const noexcept {
    return slots_.available();
  }

  /// The configured number of permits.
  [[nodiscard]] std::uint32_t capacity() const noexcept {
    return slots_.capacity;
  }

 private:
  detail::permit_slots slots_;
};

/// What a governed permit is for.
enum class permit_kind : std::uint8_t {
  model_stream, ///< one streaming call to a model provider
  tool_call,    ///< one running tool call
};

/// The layers of the governor; a permit holds one slot of its kind's layer and
/// one of the global layer.
enum class permit_layer : std::uint8_t {
  model_streams, ///< the layer of permit_kind::model_stream
  tool_calls,    ///< the layer of permit_kind::tool_call
  global,        ///< shared by every kind
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(permit_kind x) noexcept;

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(permit_layer x) noexcept;

/// The governor's limits on work running at the same time, node-wide.
/// A kind's layer smaller than the global layer leaves the difference to the
/// other kind: with the defaults a burst of model streams can never take more
/// than 3,072 of the 4,096 global slots, so 1,024 remain for tool calls.
struct concurrency_limits_config {
  /// Model streams open at the same time. Unit: streams. Default 3,072.
  std::uint32_t max_model_streams = 3072;
  /// Tool calls running at the same time. Unit: calls. Default 3,072.
  std::uint32_t max_tool_calls = 3072;
  /// Governed steps of any kind at the same time. Unit: steps. Default 4,096.
  std::uint32_t max_global = 4096;
};

/// The answer to "may one more step of this kind run now?".
struct permit_decision {
  /// The permit when granted (move it out to keep it); empty when refused.
  permit grant;
  /// The layer that was full; empty when granted.
  std::optional<permit_layer> full_layer;
  /// A sentence naming the full layer and its capacity; empty when granted.
  std::string reason;

  /// Whether a permit was granted.
  [[nodiscard]] bool granted() const noexcept { return grant.held(); }
};

/// The governor's layered permits: model streams, tool calls, and a global
/// layer shared by both. A permit takes one slot from its kind's layer and one
/// from the global layer, or none at all. Neither copyable nor movable
/// (granted permits point into it). Not thread-safe: owned by the governor.
class concurrency_limits {
 public:
  /// Creates the layers from `config`; a capacity of 0 grants nothing.
  explicit concurrency_limits(concurrency_limits_config config) noexcept;

  concurrency_limits(const concurrency_limits&) = delete;
  concurrency_limits& operator=(const concurrency_limits&) = delete;

  /// Asserts (debug builds only) that no permit outlives the limits.
  ~concurrency_limits();

  /// Takes one slot of `kind`'s layer and one of the global layer, or nothing.
  /// When both are full, the kind's layer is the one reported.
  [[nodiscard]] permit_decision try_acquire(permit_kind kind);

  /// Permits of `kind` currently held.
  [[nodiscard]] std::uint32_t in_use(permit_kind kind) const noexcept {
    return layer(kind).in_use;
  }

  /// Permits of every kind currently held.
  [[nodiscard]] std::uint32_t in_use_global() const noexcept {
    return global_.in_use;
  }

  /// Permits of `kind` that `try_acquire` could still grant now (bounded by
  /// both the kind's layer and the global layer).
  [[nodiscard]] std::uint32_t available(permit_kind kind) const noexcept;

  /// Free slots of the global layer.
  [[nodiscard]] std::uint32_t available_global() const noexcept {
    return global_.available();
  }

  /// The configuration the layers were sized from.
  [[nodiscard]] const concurrency_limits_config& config() const noexcept {
    return config_;
  }

 private:
  [[nodiscard]] const detail::permit_slots&
  layer(permit_kind kind) const noexcept {
    return kind == permit_kind::model_stream ? model_streams_ : tool_calls_;
  }

  [[nodiscard]] detail::permit_slots& layer(permit_kind kind) noexcept {
    return kind == permit_kind::model_stream ? model_streams_ : tool_calls_;
  }

  concurrency_limits_config config_;
  detail::permit_slots model_streams_;
  detail::permit_slots tool_calls_;
  detail::permit_slots global_;
};

} // namespace warden::policies
