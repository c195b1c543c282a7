#pragma once

#include <cstdint>
#include <vector>

namespace warden::policies::detail {

/// The count and links of one member of a `count_buckets`, kept inside the
/// member's own node.
struct bucket_link {
  std::uint32_t prev = 0;
  std::uint32_t next = 0;
  /// The member's count.
  std::uint32_t count = 0;
};

/// A count per member with O(1) increment, decrement and "a member with the
/// highest count". Members with the same positive count sit in one intrusive
/// list per count; because counts move by one, the highest non-empty count
/// moves by at most one per change. `argmax` returns the member that most
/// recently reached the highest count. Members are indexes into a
/// caller-owned random-access container `nodes` whose elements have a `bucket`
/// member of type `bucket_link`, passed to every call. Allocates only when
/// the highest count ever seen grows. Not thread-safe.
class count_buckets {
 public:
  /// No member.
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  /// Adds one to the count of `member`.
  template <class Nodes>
  void increment(Nodes& nodes, std::uint32_t member) {
    auto& l = nodes[member].bucket;
    if (l.count > 0)
      unlink(nodes, member);
    ++l.count;
    if (l.count >= heads_.size())
      heads_.resize(l.count + 1u, npos);
    push_front(nodes, member);
    if (l.count > max_)
      max_ = l.count;
  }

  /// Takes one from the count of `member`, which must be positive.
  template <class Nodes>
  void decrement(Nodes& nodes, std::uint32_t member) noexcept {
    auto& l = nodes[member].bucket;
    unlink(nodes, member);
    if (l.count == max_ && heads_[max_] == npos)
      --max_;
    --l.count;
    if (l.count > 0)
      push_front(nodes, member);
  }

  /// The highest count of any member (0 when all are 0).
  [[nodiscard]] std::uint32_t max_count() const noexcept { return max_; }

  /// A member with the highest count, or `npos` when all counts are 0.
  [[nodiscard]] std::uint32_t argmax() const noexcept {
    return max_ == 0 ? npos : heads_[max_];
  }

 private:
  template <class Nodes>
  void push_front(Nodes& nodes, std::uint32_t member) noexcept {
    auto& l = nodes[member].bucket;
    auto& head = heads_[l.count];
    l.prev = npos;
    l.next = head;
    if (head != npos)
      nodes[head].bucket.prev = member;
    head = member;
  }

  template <class Nodes>
  void unlink(Nodes& nodes, std::uint32_t member) noexcept {
    auto& l = nodes[member].bucket;
    if (l.prev != npos)
      nodes[l.prev].bucket.next = l.next;
    else
      heads_[l.count] = l.next;
    if (l.next != npos)
      nodes[l.next].bucket.prev = l.prev;
  }

  std::vector<std::uint32_t> heads_{npos};
  std::uint32_t max_ = 0;
};

} // namespace warden::policies::detail
