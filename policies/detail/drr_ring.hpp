#pragma once

#include <cstdint>

namespace warden::policies::detail {

/// The links of one member of a `drr_ring`, kept inside the member's own node
/// so that a member's ring state shares its cache line with its other state.
struct ring_link {
  /// Marks a member that is not in the ring (stored in `deficit`).
  static constexpr std::uint32_t inactive = 0xFFFFFFFFu;
  std::uint32_t prev = 0;
  std::uint32_t next = 0;
  /// Dispatches left in the member's current turn, or `inactive`.
  std::uint32_t deficit = inactive;
};

/// The active list of a deficit-round-robin scheduler: an intrusive
/// doubly-linked list whose front is the member whose turn it is, with the
/// dispatches left in that member's turn (its deficit). Members are indexes
/// into a caller-owned random-access container `nodes` whose elements have a
/// `ring` member of type `ring_link`; the container is passed to every call so
/// that it may grow (and the owner be moved) freely. All operations are O(1)
/// and allocate nothing. Not thread-safe.
class drr_ring {
 public:
  /// No member.
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  /// Whether no member is active.
  [[nodiscard]] bool empty() const noexcept { return head_ == npos; }

  /// The member whose turn it is; the ring must not be empty.
  [[nodiscard]] std::uint32_t front() const noexcept { return head_; }

  /// Whether the member with links `link` is in a ring.
  [[nodiscard]] static bool contains(const ring_link& link) noexcept {
    return link.deficit != ring_link::inactive;
  }

  /// Activates `member` at the back with a fresh turn; no-op when active.
  template <class Nodes>
  void push_back(Nodes& nodes, std::uint32_t member) noexcept {
    auto& l = nodes[member].ring;
    if (contains(l))
      return;
    l.deficit = 0;
    l.next = npos;
    l.prev = tail_;
    if (tail_ != npos)
      nodes[tail_].ring.next = member;
    else
      head_ = member;
    tail_ = member;
  }

  /// Deactivates `member` and forgets its turn; no-op when inactive.
  template <class Nodes>
  void remove(Nodes& nodes, std::uint32_t member) noexcept {
    auto& l = nodes[member].ring;
    if (!contains(l))
      return;
    l.deficit = ring_link::inactive;
    if (l.prev != npos)
      nodes[l.prev].ring.next = l.next;
    else
      head_ = l.next;
    if (l.next != npos)
      nodes[l.next].ring.prev = l.prev;
    else
      tail_ = l.prev;
  }

  /// Charges one dispatch to the front member, starting its turn with
  /// `quantum` (at least 1) dispatches when it has none left. Returns whether
  /// its turn is now over; the caller then calls `rotate` if it stays active.
  template <class Nodes>
  bool charge_front(Nodes& nodes, std::uint32_t quantum) noexcept {
    auto& l = nodes[head_].ring;
    if (l.deficit == 0)
      l.deficit = quantum;
    return --l.deficit == 0;
  }

  /// Moves the front member to the back (its turn is over).
  template <class Nodes>
  void rotate(Nodes& nodes) noexcept {
    auto m = head_;
    if (m == npos || m == tail_)
      return;
    remove(nodes, m);
    push_back(nodes, m);
  }

 private:
  std::uint32_t head_ = npos;
  std::uint32_t tail_ = npos;
};

} // namespace warden::policies::detail
