#pragma once

#include <cstdint>

namespace warden::net {

/// Decides when listeners pause for lack of file descriptors and when they
/// resume, with a gap between the two so that they do not flap. A plain
/// decision class: the caller counts and acts.
class fd_headroom {
 public:
  /// What the caller should do after an observation.
  enum class action {
    none,   ///< keep things as they are
    pause,  ///< stop accepting new connections
    resume, ///< accept again
  };

  /// Pauses when fewer than `pause_below` descriptors are free; resumes when
  /// at least `resume_at` are free (at least pause_below + 1).
  fd_headroom(std::uint64_t pause_below, std::uint64_t resume_at) noexcept;

  /// Takes the number of free descriptors (0 when they could not be
  /// counted) and returns what to do.
  [[nodiscard]] action observe(std::uint64_t free) noexcept;

  /// Whether listeners are paused.
  [[nodiscard]] bool paused() const noexcept { return paused_; }

  /// Forgets a pause whose resume failed, or a resume whose pause failed:
  /// the next observation decides again.
  void revert() noexcept { paused_ = !paused_; }

 private:
  std::uint64_t pause_below_;
  std::uint64_t resume_at_;
  bool paused_ = false;
};

} // namespace warden::net
