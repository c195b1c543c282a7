#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace warden::policies::detail {

/// A hash map from 64-bit ids to 32-bit dense indexes, made for the hot path
/// of admission: open addressing with linear probing, Fibonacci hashing and
/// backward-shift deletion (no tombstones). It allocates only when it grows
/// past a load factor of 1/2 and never shrinks, so steady-state insert/erase
/// cycles allocate nothing. Not thread-safe.
class id_map {
 public:
  /// The value returned by `find` for an absent key; never a stored value.
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  /// Starts with room for a few keys.
  id_map() { rehash(16); }

  /// The value stored for `key`, or `npos`.
  [[nodiscard]] std::uint32_t find(std::uint64_t key) const noexcept {
    for (auto i = home(key);; i = (i + 1) & mask_) {
      const auto& e = entries_[i];
      if (e.value == npos || e.key == key)
        return e.value;
    }
  }

  /// Stores `key` -> `value`; `key` must be absent and `value` not `npos`.
  void insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 2 > entries_.size())
      rehash(entries_.size() * 2);
    place(key, value);
    ++size_;
  }

  /// Removes `key`; returns whether it was present.
  bool erase(std::uint64_t key) noexcept {
    auto hole = home(key);
    for (;; hole = (hole + 1) & mask_) {
      const auto& e = entries_[hole];
      if (e.value == npos)
        return false;
      if (e.key == key)
        break;
    }
    // Shift back every later entry of the probe run whose home does not lie
    // strictly between the hole and its slot, so lookups never stop early.
    for (auto j = (hole + 1) & mask_; entries_[j].value != npos;
         j = (j + 1) & mask_) {
      auto h = home(entries_[j].key);
      if (((j - h) & mask_) >= ((j - hole) & mask_)) {
        entries_[hole] = entries_[j];
        hole = j;
      }
    }
    entries_[hole].value = npos;
    --size_;
    return true;
  }

  /// Makes room for `n` keys without further allocation.
  void reserve(std::size_t n) {
    auto cap = entries_.size();
    while (n * 2 > cap)
      cap *= 2;
    if (cap != entries_.size())
      rehash(cap);
  }

  /// Number of keys stored.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct entry {
    std::uint64_t key = 0;
    std::uint32_t value = npos;
  };

  [[nodiscard]] std::size_t home(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void place(std::uint64_t key, std::uint32_t value) noexcept {
    auto i = home(key);
    while (entries_[i].value != npos)
      i = (i + 1) & mask_;
    entries_[i] = entry{key, value};
  }

  void rehash(std::size_t capacity) {
    std::vector<entry> old(capacity);
    old.swap(entries_);
    mask_ = capacity - 1;
    shift_ = 64;
    for (auto c = capacity; c > 1; c >>= 1)
      --shift_;
    for (const auto& e : old)
      if (e.value != npos)
        place(e.key, e.value);
  }

  std::vector<entry> entries_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
};

} // namespace warden::policies::detail
