#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace warden::process {

/// The last `capacity` bytes of a stream (a child's stderr): what was
/// written before is dropped as new bytes come, so memory stays bounded
/// however much the child writes. Not thread-safe.
class output_tail {
 public:
  explicit output_tail(std::size_t capacity) : capacity_(capacity) {
    ring_.reserve(capacity);
  }

  /// Appends `bytes`, keeping only the last `capacity` bytes.
  void append(std::string_view bytes) {
    total_ += bytes.size();
    if (capacity_ == 0)
      return;
    if (bytes.size() >= capacity_) {
      ring_.assign(bytes.substr(bytes.size() - capacity_));
      next_ = 0;
      return;
    }
    for (char c : bytes) {
      if (ring_.size() < capacity_) {
        ring_.push_back(c);
      } else {
        ring_[next_] = c;
        next_ = (next_ + 1) % capacity_;
      }
    }
  }

  /// The bytes kept, oldest first.
  [[nodiscard]] std::string text() const {
    if (ring_.size() < capacity_)
      return ring_;
    return ring_.substr(next_) + ring_.substr(0, next_);
  }

  /// Bytes appended in all, kept or not.
  [[nodiscard]] std::size_t total() const noexcept { return total_; }

 private:
  std::size_t capacity_;
  std::string ring_;
  /// Where the oldest byte is once the ring is full.
  std::size_t next_ = 0;
  std::size_t total_ = 0;
};

} // namespace warden::process
