#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/clock.hpp"
#include "policies/detail/count_buckets.hpp"
#include "policies/detail/drr_ring.hpp"
#include "policies/detail/id_map.hpp"

namespace warden::policies {

/// One priority class of admission. Classes are listed highest first.
struct priority_class {
  /// Name for config, logs and metric labels, e.g. "interactive".
  std::string name;
  /// Slots of global_cap that classes below this one may never take. Default 0.
  std::uint32_t reserved = 0;
};

/// Bounds and priority classes of the admission queue.
struct admission_config {
  /// Runs in flight at once across all tenants (runs). Default 4096.
  std::uint32_t global_cap = 4096;
  /// New runs waiting at once across all tenants (runs; continuations are
  /// not counted). Default 100000.
  std::uint32_t global_queue_cap = 100000;
  /// Priority classes, highest first (1 to 32 classes). A run of class i is
  /// admitted only while the global in-flight count is below global_cap minus
  /// the reserved slots of the classes above i. The reserved slots of all
  /// classes must add up to less than global_cap. Default critical (256
  /// reserved), interactive (256 reserved), batch (0).
  std::vector<priority_class> priorities = {
      {"critical", 256}, {"interactive", 256}, {"batch", 0}};
};

/// One rule of `admission_config` that a value breaks.
struct admission_config_problem {
  /// Key relative to the admission section, e.g. `priorities[1].reserved`.
  std::string key;
  /// What is wrong and what is allowed.
  std::string message;
};

/// Every rule `config` breaks, in field order; empty when it is valid.
[[nodiscard]] std::vector<admission_config_problem>
validate(const admission_config& config);

/// Limits of one tenant. The product's tiers are `free_tier()`, `pro_tier()`
/// and `enterprise_tier()`.
struct tenant_limits {
  /// Runs of the tenant in flight at once (runs). Default 2.
  std::uint32_t in_flight_cap = 2;
  /// New runs of the tenant waiting at once, all classes (runs;
  /// continuations are not counted). Default 20.
  std::uint32_t queue_cap = 20;
  /// Share of the tenant in the weighted fair order; 0 counts as 1. Default 1.
  std::uint32_t weight = 1;
};

/// The free tier: 2 in flight, 20 queued, weight 1.
[[nodiscard]] constexpr tenant_limits free_tier() noexcept {
  return {2, 20, 1};
}

/// The pro tier: 20 in flight, 200 queued, weight 4.
[[nodiscard]] constexpr tenant_limits pro_tier() noexcept {
  return {20, 200, 4};
}

/// The enterprise tier: 200 in flight, 2000 queued, weight 16.
[[nodiscard]] constexpr tenant_limits enterprise_tier() noexcept {
  return {200, 2000, 16};
}

/// Why a submitted run was refused.
enum class rejection_reason : std::uint8_t {
  unknown_tenant,    ///< the tenant was never registered with set_tenant
  unknown_priority,  ///< the priority index names no configured class
  duplicate_request, ///< the request id is already queued or running
  tenant_queue_full, ///< the tenant's queue is full of runs of equal or higher
                     ///< priority
  global_queue_full, ///< the global queue is full of runs of equal or higher
                     ///< priority
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(rejection_reason x) noexcept;

/// Why a queued run was dropped to make room for another.
enum class shed_reason : std::uint8_t {
  shed_for_higher_priority, ///< a run of higher priority took its queue slot
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(shed_reason x) noexcept;

/// What admission did with a run. `submit` answers admitted, queued or
/// rejected; a queued run may later leave admitted (`admitted_run`) or shed
/// (`shed_run`). Values are sent between actors: append, never renumber.
enum class admission_outcome : std::uint8_t {
  admitted, ///< the run may start now
  queued,   ///< the run waits; it is reported by a later release or cancel
  rejected, ///< the run was refused; see the reason
  shed,     ///< the queued run was dropped for higher-priority work
};

/// Returns a stable, lower-case name for `x` (for logs and metric labels).
const char* to_string(admission_outcome x) noexcept;

/// A queued run that was dropped; its submitter must be told.
struct shed_run {
  /// The caller's id of the dropped run.
  std::uint64_t request = 0;
  /// Its tenant.
  std::uint64_t tenant = 0;
  /// Its priority class index.
  std::size_t priority = 0;
  /// How long it waited before it was dropped.
  duration waited{0};
  /// Why it was dropped.
  shed_reason reason = shed_reason::shed_for_higher_priority;
};

/// A run that left the queue and may start now.
struct admitted_run {
  /// The caller's id of the run.
  std::uint64_t request = 0;
  /// Its tenant.
  std::uint64_t tenant = 0;
  /// Its priority class index.
  std::size_t priority = 0;
  /// How long it waited in the queue.
  duration waited{0};
  /// True for a run that yielded its slot and got one back (`reclaim`): it
  /// goes on where it stopped instead of starting.
  bool reclaimed = false;
};

/// The answer of `submit`.
struct submit_decision {
  /// Admitted now, queued, or rejected.
  admission_outcome outcome = admission_outcome::rejected;
  /// Set exactly when the run was rejected.
  std::optional<rejection_reason> reason;
  /// Set when a queued run was dropped to make room for this one.
  std::optional<shed_run> shed;

  [[nodiscard]] bool admitted() const noexcept {
    return outcome == admission_outcome::admitted;
  }
  [[nodiscard]] bool queued() const noexcept {
    return outcome == admission_outcome::queued;
  }
  [[nodiscard]] bool rejected() const noexcept {
    return outcome == admission_outcome::rejected;
  }
};

/// Where a request stands.
enum class request_state : std::uint8_t {
  unknown, ///< never submitted, refused, shed, cancelled or released
  queued,  ///< waiting for capacity (new, or reclaiming a slot it yielded)
  running, ///< admitted, holds a slot
  yielded, ///< admitted, gave its slot back while it waits for others
};

/// What `cancel` did.
enum class cancel_outcome : std::uint8_t {
  unknown_request, ///< the id is not known; nothing changed
  dequeued,        ///< the run was removed from the queue
  released,        ///< the run was admitted (running or yielded); it is gone
};

/// What `reclaim` did.
enum class reclaim_outcome : std::uint8_t {
  unknown_request, ///< the run is not yielded; nothing changed
  resumed,         ///< the run holds a slot again
  queued, ///< the run waits ahead of new runs; a later `admitted_run` with
          ///< `reclaimed` set reports its slot
};

/// The fair admission queue: decides which submitted runs may start.
///
/// Runs are admitted while their tenant is under its in-flight cap and the
/// global in-flight count is under the capacity their priority class may use,
/// and, for new runs, while their tenant is not paused. Waiting runs are
/// dispatched eagerly (no queued run is ever admissible after an operation
/// returns) in strict priority order across classes; within a class, tenants
/// take turns by deficit round robin with `weight` dispatches a turn; within a
/// tenant and class, runs leave in FIFO order. A tenant at its in-flight cap
/// leaves the round robin until one of its runs is released.
///
/// A paused tenant (`pause`, an operator's control) keeps its new runs: they
/// are accepted and queued within the usual queue bounds (and may be shed
/// as any queued run), but none is admissible, so they leave the round robin
/// and overtake or hold back nobody. Its continuations and reclaims are
/// admitted as before, so that its admitted trees can finish. `resume` puts
/// its new runs back into the round robin and dispatches them at once.
///
/// Work already admitted comes first: within each class, continuations (runs
/// submitted with `submit_continuation`, e.g. the child runs of an admitted
/// tree, and runs reclaiming a slot they yielded) leave before new runs of
/// any tenant, tenants taking turns among them by weight as well. A run that
/// only waits for other runs (a parent waiting for its children) `yield`s
/// its slot: it stops counting against its tenant's in-flight cap and the
/// global cap until it `reclaim`s one. So a tenant's cap counts runs doing
/// work, and a tree can never hold every slot its own children need.
///
/// A priority is an index into `admission_config::priorities`, 0 the highest.
///
/// When a queue is full, a run of higher priority than the lowest queued there
/// sheds the newest run of that lowest class: from the submitting tenant's own
/// queue when that is full; otherwise (global queue full) from the tenant with
/// the most runs queued in the lowest class (on a tie, the tenant that reached
/// that count last), which keeps a flooding tenant from costing others their
/// place. A run never sheds one of its own or a higher class.
///
/// Every operation is O(1) in the number of tenants and runs (plus O(P) for P
/// priority classes, and O(k) for k runs admitted by one call); structures
/// grow by doubling and are reused, so steady-state use allocates nothing
/// once the caller's `admitted` vector has grown too. Not thread-safe: owned
/// by one actor; the clock must outlive the queue.
class admission {
 public:
  /// A caller-chosen run id, unique among queued and running runs.
  using request_id = std::uint64_t;

  /// A tenant id.
  using tenant_id = std::uint64_t;

  /// Starts empty. Throws std::invalid_argument when `validate(config)`
  /// reports a problem (config loading should have refused it earlier).
  admission(admission_config config, const clock& clk);

  /// Registers `tenant` or changes its limits. A higher in-flight cap admits
  /// waiting runs at once (appended to `admitted`); a lower cap or queue cap
  /// drops nothing (the tenant is over its cap until runs finish).
  void set_tenant(tenant_id tenant, tenant_limits limits,
                  std::vector<admitted_run>& admitted);

  /// Forgets `tenant` if it has nothing queued or running and is not
  /// paused; returns whether it was removed.
  bool remove_tenant(tenant_id tenant);

  /// Holds the new runs of `tenant`: from now on none is admitted (they
  /// queue, within the queue caps), while its continuations and reclaims
  /// still are. Admits nothing. Returns false, changing nothing, for an
  /// unknown tenant; pausing a paused tenant changes nothing.
  bool pause(tenant_id tenant);

  /// Lets the new runs of `tenant` be admitted again: those waiting are
  /// dispatched at once in the usual order (appended to `admitted`).
  /// Returns false, changing nothing, for an unknown tenant; resuming a
  /// tenant that is not paused changes nothing.
  bool resume(tenant_id tenant, std::vector<admitted_run>& admitted);

  /// Whether `tenant` is paused; false for an unknown tenant.
  [[nodiscard]] bool paused(tenant_id tenant) const noexcept;

  /// Admits, queues or rejects run `request` of `tenant` in class `priority`
  /// (a paused tenant's run is queued, or rejected for a full queue).
  [[nodiscard]] submit_decision submit(request_id request, tenant_id tenant,
                                       std::size_t priority);

  /// Admits or queues run `request`, which continues work already admitted
  /// (a child run of an admitted tree): it waits ahead of the new runs of
  /// its class, counts against the same caps once admitted, and is never
  /// refused for a full queue nor shed (the caller bounds such work, e.g. by
  /// fan-out limits); queue caps count new runs only. Rejected only for an
  /// unknown tenant or priority, or a duplicate id.
  [[nodiscard]] submit_decision submit_continuation(request_id request,
                                                    tenant_id tenant,
                                                    std::size_t priority);

  /// The running run `request` gives its slot back while it waits for other
  /// runs to finish: it no longer counts against its tenant's in-flight cap
  /// nor the global cap, and waiting runs are admitted into the freed
  /// capacity (appended to `admitted`). Returns false, changing nothing,
  /// when `request` is not running.
  bool yield(request_id request, std::vector<admitted_run>& admitted);

  /// The yielded run `request` wants a slot back: it gets one at once when
  /// its tenant and class have capacity, else it waits with the
  /// continuations of its class, ahead of new runs.
  reclaim_outcome reclaim(request_id request);

  /// Ends the admitted run `request` (running or yielded: finished, timed
  /// out or cancelled), then admits waiting runs into the freed capacity,
  /// appending them to `admitted`. Returns false, changing nothing, when
  /// `request` is neither.
  bool release(request_id request, std::vector<admitted_run>& admitted);

  /// Removes `request` from the queue, or releases it when it was admitted
  /// (then appending newly admitted runs to `admitted`).
  cancel_outcome cancel(request_id request,
                        std::vector<admitted_run>& admitted);

  /// Where `request` stands.
  [[nodiscard]] request_state state(request_id request) const noexcept;

  /// Whether `tenant` is registered.
  [[nodiscard]] bool has_tenant(tenant_id tenant) const noexcept;

  /// The limits of `tenant`, or nothing when it is unknown.
  [[nodiscard]] std::optional<tenant_limits>
  limits(tenant_id tenant) const noexcept;

  /// Runs of `tenant` in flight (holding a slot: yielded runs do not count);
  /// 0 for an unknown tenant.
  [[nodiscard]] std::uint32_t in_flight(tenant_id tenant) const noexcept;

  /// Runs of `tenant` waiting, all classes, continuations included; 0 for an
  /// unknown tenant.
  [[nodiscard]] std::uint32_t queued(tenant_id tenant) const noexcept;

  /// Runs of `tenant` waiting in class `priority`; 0 when either is unknown.
  [[nodiscard]] std::uint32_t queued(tenant_id tenant,
                                     std::size_t priority) const noexcept;

  /// Runs in flight across all tenants (holding a slot).
  [[nodiscard]] std::uint32_t in_flight_total() const noexcept {
    return in_flight_total_;
  }

  /// Runs waiting across all tenants and classes, continuations included.
  [[nodiscard]] std::uint32_t queued_total() const noexcept {
    return queued_total_;
  }

  /// Runs waiting in class `priority`, continuations included; 0 for an
  /// unknown class.
  [[nodiscard]] std::uint32_t queue_depth(std::size_t priority) const noexcept;

  /// How long the oldest run waiting in class `priority` has waited; zero when
  /// none waits or the class is unknown.
  [[nodiscard]] duration oldest_waiting_age(std::size_t priority) const;

  /// The in-flight count below which class `priority` may still be admitted:
  /// global_cap minus the reserved slots of the classes above it.
  [[nodiscard]] std::uint32_t class_limit(std::size_t priority) const noexcept;

  /// The index of the class called `name`, or nothing.
  [[nodiscard]] std::optional<std::size_t>
  priority_index(std::string_view name) const noexcept;

  /// Number of priority classes.
  [[nodiscard]] std::size_t priority_count() const noexcept {
    return levels_.size() / 2;
  }

  /// Number of registered tenants.
  [[nodiscard]] std::size_t tenant_count() const noexcept {
    return tenant_index_.size();
  }

  /// The configuration this queue was built with.
  [[nodiscard]] const admission_config& config() const noexcept {
    return config_;
  }

 private:
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  enum class slot_state : std::uint8_t { free, queued, running, yielded };

  // Each class is two levels of the queue: its continuations at level 2c,
  // ahead of its new runs at level 2c + 1. Level masks below have a bit per
  // level.
  [[nodiscard]] static std::size_t level_of(std::size_t cls,
                                            bool continuation) noexcept {
    return 2 * cls + (continuation ? 0 : 1);
  }

  // A queued, running or yielded run. Queued runs are linked into their
  // tenant's FIFO for their level and into their level's FIFO of all tenants
  // (oldest first).
  struct request_node {
    request_id id = 0;
    time_point enqueued{};
    std::uint32_t tenant = npos;
    std::uint32_t tenant_prev = npos;
    std::uint32_t tenant_next = npos; // also the free-list link
    std::uint32_t class_prev = npos;
    std::uint32_t class_next = npos;
    std::uint8_t level = 0;
    slot_state state = slot_state::free;
    bool reclaiming = false; // queued to get back the slot it yielded
  };

  struct tenant_node {
    tenant_id id = 0;
    tenant_limits limits;
    std::uint32_t in_flight = 0;
    std::uint32_t queued = 0;        // all levels
    std::uint32_t queued_new = 0;    // new runs: what queue_cap bounds
    std::uint32_t yielded = 0;       // admitted runs that gave their slot back
    std::uint64_t queued_levels = 0; // bit l: runs waiting at level l
    bool paused = false;             // new runs are held (pause)
  };

  // The state of one tenant at one level, in one 32-byte node: its FIFO, its
  // place in the level's round robin and its count of runs waiting there.
  struct tenant_class {
    std::uint32_t head = npos; // oldest waiting run of the tenant here
    std::uint32_t tail = npos; // newest
    detail::ring_link ring;
    detail::bucket_link bucket;
  };
  // Two nodes per cache line, none straddling two.
  static_assert(sizeof(tenant_class) == 32);

  struct level_state {
    std::uint32_t limit = 0; // the class limit
    std::uint32_t depth = 0;
    std::uint32_t oldest = npos; // level FIFO over all tenants
    std::uint32_t newest = npos;
    detail::drr_ring ring;         // tenants under cap with runs waiting
    detail::count_buckets buckets; // runs waiting by tenant, for shedding
  };

  // Index of the node of tenant `ti` at level `level` within tcs_.
  [[nodiscard]] std::uint32_t tc_index(std::uint32_t ti,
                                       std::size_t level) const noexcept {
    return static_cast<std::uint32_t>(ti * levels_.size() + level);
  }

  std::uint32_t new_request_slot();
  void free_request_slot(std::uint32_t slot) noexcept;
  [[nodiscard]] std::optional<rejection_reason>
  check_submit(request_id id, std::size_t priority,
               std::uint32_t tenant) const noexcept;
  [[nodiscard]] bool admissible(std::uint32_t tenant,
                                std::size_t cls) const noexcept;
  std::uint32_t add_request(request_id id, std::size_t level);
  void start(std::uint32_t slot, std::uint32_t tenant);
  void stop_counting(std::uint32_t slot);
  void enqueue(std::uint32_t slot, std::uint32_t tenant, std::size_t level);
  void unlink_queued(std::uint32_t slot) noexcept;
  void forget(std::uint32_t slot) noexcept;
  void finish(std::uint32_t slot, std::vector<admitted_run>& admitted);
  shed_run shed(std::uint32_t tenant, std::size_t level, time_point now);
  [[nodiscard]] std::uint64_t
  dispatchable_levels(const tenant_node& t) const noexcept;
  void leave_rings(std::uint32_t tenant, std::uint64_t levels) noexcept;
  void join_rings(std::uint32_t tenant, std::uint64_t levels) noexcept;
  void deactivate(std::uint32_t tenant) noexcept;
  void activate(std::uint32_t tenant) noexcept;
  void dispatch(std::vector<admitted_run>& admitted);
  [[nodiscard]] const tenant_node* find_tenant(tenant_id id) const noexcept;

  admission_config config_;
  const clock* clock_;
  std::vector<level_state> levels_; // 2 per class
  std::vector<tenant_node> tenants_;
  std::vector<tenant_class> tcs_; // tenant-major: tcs_[tenant * L + level]
  std::vector<request_node> requests_;
  detail::id_map tenant_index_;
  detail::id_map request_index_;
  std::vector<std::uint32_t> free_tenants_;
  std::uint32_t free_requests_ = npos; // linked through tenant_next
  std::uint64_t dispatchable_ = 0;     // bit l: ring of level l not empty
  std::uint64_t queued_levels_ = 0;    // bit l: runs waiting at level l
  std::uint64_t new_levels_ = 0;       // bit l: level l holds new runs
  std::uint32_t in_flight_total_ = 0;
  std::uint32_t queued_total_ = 0;
  std::uint32_t queued_new_total_ = 0; // what global_queue_cap bounds
};

} // namespace warden::policies
