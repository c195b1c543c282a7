#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace warden::policies::detail {

/// The active list of a deficit-round-robin scheduler whose members are dense
/// indexes: an intrusive doubly-linked list whose front is the member whose
/// turn it is, with the dispatches left in that member's turn (its deficit).
/// All operations are O(1); allocates only when the member set grows. Not
/// thread-safe.
class drr_ring {
 public:
  /// No member.
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  /// Makes room for members [0, n).
  void resize(std::size_t n) {
    if (n > links_.size())
      links_.resize(n);
  }

  /// Whether no member is active.
  [[nodiscard]] bool empty() const noexcept { return head_ == npos; }

  /// Whether `member` is active.
  [[nodiscard]] bool contains(std::uint32_t member) const noexcept {
    return links_[member].active;
  }

  /// The member whose turn it is; the ring must not be empty.
  [[nodiscard]] std::uint32_t front() const noexcept { return head_; }

  /// Activates `member` at the back with a fresh turn; no-op when active.
  void push_back(std::uint32_t member) noexcept {
    auto& l = links_[member];
    if (l.active)
      return;
    l.active = true;
    l.deficit = 0;
    l.next = npos;
    l.prev = tail_;
    if (tail_ != npos)
      links_[tail_].next = member;
    else
      head_ = member;
    tail_ = member;
  }

  /// Deactivates `member` and forgets its turn; no-op when inactive.
  void remove(std::uint32_t member) noexcept {
    auto& l = links_[member];
    if (!l.active)
      return;
    l.active = false;
    l.deficit = 0;
    if (l.prev != npos)
      links_[l.prev].next = l.next;
    else
      head_ = l.next;
    if (l.next != npos)
      links_[l.next].prev = l.prev;
    else
      tail_ = l.prev;
  }

  /// Charges one dispatch to the front member, starting its turn with
  /// `quantum` (at least 1) dispatches when it has none left. Returns whether
  /// its turn is now over; the caller then calls `rotate` if it stays active.
  bool charge_front(std::uint32_t quantum) noexcept {
    auto& l = links_[head_];
    if (l.deficit == 0)
      l.deficit = quantum;
    return --l.deficit == 0;
  }

  /// Moves the front member to the back (its turn is over).
  void rotate() noexcept {
    auto m = head_;
    if (m == npos || m == tail_)
      return;
    remove(m);
    push_back(m);
  }

 private:
  struct link {
    std::uint32_t prev = npos;
    std::uint32_t next = npos;
    std::uint32_t deficit = 0;
    bool active = false;
  };

  std::vector<link> links_;
  std::uint32_t head_ = npos;
  std::uint32_t tail_ = npos;
};

} // namespace warden::policies::detail
