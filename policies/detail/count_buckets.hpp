#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace warden::policies::detail {

/// A count per member (members are dense indexes) with O(1) increment,
/// decrement and "a member with the highest count". Members with the same
/// count sit in one intrusive list per count; because counts move by one, the
/// highest non-empty count moves by at most one per change. The most recent
/// member to reach the highest count is the one `argmax` returns. Allocates
/// only when the member set or the highest count grows. Not thread-safe.
class count_buckets {
 public:
  /// No member.
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  /// Makes room for members [0, n); new members start at count 0.
  void resize(std::size_t n) {
    if (n > links_.size())
      links_.resize(n);
  }

  /// The count of `member`.
  [[nodiscard]] std::uint32_t count(std::uint32_t member) const noexcept {
    return links_[member].count;
  }

  /// Adds one to the count of `member`.
  void increment(std::uint32_t member) {
    auto& l = links_[member];
    if (l.count > 0)
      unlink(member);
    ++l.count;
    if (l.count >= heads_.size())
      heads_.resize(l.count + 1u, npos);
    push_front(member);
    if (l.count > max_)
      max_ = l.count;
  }

  /// Takes one from the count of `member`, which must be positive.
  void decrement(std::uint32_t member) noexcept {
    auto& l = links_[member];
    unlink(member);
    if (l.count == max_ && heads_[max_] == npos)
      --max_;
    --l.count;
    if (l.count > 0)
      push_front(member);
  }

  /// The highest count of any member (0 when all are 0).
  [[nodiscard]] std::uint32_t max_count() const noexcept { return max_; }

  /// A member with the highest count, or `npos` when all counts are 0.
  [[nodiscard]] std::uint32_t argmax() const noexcept {
    return max_ == 0 ? npos : heads_[max_];
  }

 private:
  struct link {
    std::uint32_t prev = npos;
    std::uint32_t next = npos;
    std::uint32_t count = 0;
  };

  void push_front(std::uint32_t member) noexcept {
    auto& l = links_[member];
    auto& head = heads_[l.count];
    l.prev = npos;
    l.next = head;
    if (head != npos)
      links_[head].prev = member;
    head = member;
  }

  void unlink(std::uint32_t member) noexcept {
    auto& l = links_[member];
    if (l.prev != npos)
      links_[l.prev].next = l.next;
    else
      heads_[l.count] = l.next;
    if (l.next != npos)
      links_[l.next].prev = l.prev;
  }

  std::vector<link> links_;
  std::vector<std::uint32_t> heads_{npos};
  std::uint32_t max_ = 0;
};

} // namespace warden::policies::detail
