#pragma once

// Where a session lives in a cluster. Ids of runs and sessions carry the
// member that created them and a placement slot; a slot's owner is chosen
// by rendezvous hashing over the members, so any node finds the owner of
// any id without a directory, and a change of membership moves only the
// slots of the member that changed (actors/README.md, "A cluster").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace warden::policies {

/// The layout of a run or session id, high bits first: member (5) | slot
/// (10) | counter (38): 53 bits, so that every id is exact as a JSON number
/// in every language (JavaScript's numbers hold integers up to 2^53 - 1).
/// A single node is member 0 and places everything in slot 0, so its ids
/// are its counter (1, 2, 3, ...), as before clusters existed.
struct id_layout {
  static constexpr unsigned counter_bits = 38;
  static constexpr unsigned slot_bits = 10;
  static constexpr unsigned member_bits = 5;
  /// Placement slots: 1024.
  static constexpr std::uint32_t slots = 1u << slot_bits;
  /// Members of a cluster at most: 32.
  static constexpr std::size_t max_members = std::size_t{1} << member_bits;
  /// The largest counter: about 2.7e11 ids per member (8.7 years at 1,000
  /// runs a second).
  static constexpr std::uint64_t max_counter =
      (std::uint64_t{1} << counter_bits) - 1;
};

/// An id's three parts.
struct id_parts {
  std::uint32_t member = 0;
  std::uint32_t slot = 0;
  std::uint64_t counter = 0;
};

/// The id of `parts`; parts beyond their width are cut to it.
[[nodiscard]] constexpr std::uint64_t compose_id(const id_parts& parts) {
  return (std::uint64_t{parts.member & (id_layout::max_members - 1)}
          << (id_layout::counter_bits + id_layout::slot_bits)) |
         (std::uint64_t{parts.slot & (id_layout::slots - 1)}
          << id_layout::counter_bits) |
         (parts.counter & id_layout::max_counter);
}

/// The parts of `id`.
[[nodiscard]] constexpr id_parts split_id(std::uint64_t id) {
  return {static_cast<std::uint32_t>(
              id >> (id_layout::counter_bits + id_layout::slot_bits)),
          static_cast<std::uint32_t>((id >> id_layout::counter_bits) &
                                     (id_layout::slots - 1)),
          id & id_layout::max_counter};
}

/// The placement slot of `id`.
[[nodiscard]] constexpr std::uint32_t slot_of(std::uint64_t id) {
  return split_id(id).slot;
}

/// The counter of `id`: what a store's watermark keeps, so that a member
/// never hands out a counter it handed out before, whoever's ids it holds.
[[nodiscard]] constexpr std::uint64_t counter_of(std::uint64_t id) {
  return id & id_layout::max_counter;
}

/// Rendezvous (highest random weight) placement of the slots over a
/// cluster's members: each slot goes to the eligible member whose hash with
/// it weighs most. Slot 0 is the exception: it holds the ids a node made
/// before it joined a cluster (a single node's), so it belongs to member 0
/// while that member is eligible, and new sessions are never placed there.
/// Removing a member moves only its own slots; adding one moves only the slots
/// it now wins. Members are known by their index in the configured list;
/// weights depend on their names only, so every node computes the same owners
/// from the same names. Not thread-safe: owned by one actor.
class placement {
 public:
  /// Placement over `members` (names; at most id_layout::max_members), all
  /// of them eligible.
  explicit placement(std::vector<std::string> members);

  /// Marks which members may own slots (`eligible[i]` for member i; a
  /// shorter vector leaves the rest ineligible). With none eligible, every
  /// slot is ownerless.
  void set_eligible(const std::vector<bool>& eligible);

  /// As set_eligible, from a bit per member index (bit i: member i).
  void set_eligible_mask(std::uint32_t mask);

  /// The eligible members as a bit per member index.
  [[nodiscard]] std::uint32_t eligible_mask() const noexcept;

  /// The member owning `slot` (cut to its width), or none when no member is
  /// eligible.
  [[nodiscard]] std::optional<std::size_t> owner(std::uint32_t slot) const;

  /// A slot for a new session: the first slot from one derived from `seed`
  /// whose owner `accepts` (e.g. is up), so that new sessions spread over
  /// the accepted members in proportion to their slots. None when no
  /// owner accepts.
  template <class Accepts>
  [[nodiscard]] std::optional<std::uint32_t> place(std::uint64_t seed,
                                                   Accepts&& accepts) const {
    auto first = static_cast<std::uint32_t>(mix(seed) % id_layout::slots);
    for (std::uint32_t i = 0; i < id_layout::slots; ++i) {
      auto slot = (first + i) % id_layout::slots;
      if (slot == 0)
        continue;
      auto member = owners_[slot];
      if (member != no_owner && accepts(static_cast<std::size_t>(member)))
        return slot;
    }
    return std::nullopt;
  }

  /// The member of `candidates` (a bit per member index) that `key`
  /// weighs most for, by the same rendezvous hash as the slots: a
  /// cluster-wide limit's home. Losing a member moves only the keys it
  /// was the home of. None when no candidate is a member.
  [[nodiscard]] std::optional<std::size_t>
  home_of(const std::string& key, std::uint32_t candidates) const;

  /// How many slots `member` owns now.
  [[nodiscard]] std::size_t slots_of(std::size_t member) const;

  /// The member names, by index.
  [[nodiscard]] const std::vector<std::string>& members() const noexcept {
    return members_;
  }

  /// The weight of `member` for `slot`: the rendezvous hash (exposed for
  /// tests).
  [[nodiscard]] std::uint64_t weight(std::size_t member,
                                     std::uint32_t slot) const;

  /// A 64-bit mixing function (splitmix64's finalizer), stable across
  /// builds and platforms.
  [[nodiscard]] static std::uint64_t mix(std::uint64_t x) noexcept;

 private:
  static constexpr std::uint8_t no_owner = 0xFF;

  void recompute();

  std::vector<std::string> members_;
  /// FNV-1a of each member's name, mixed.
  std::vector<std::uint64_t> name_hashes_;
  std::vector<bool> eligible_;
  /// Slot -> owning member index, or no_owner.
  std::vector<std::uint8_t> owners_;
};

} // namespace warden::policies
