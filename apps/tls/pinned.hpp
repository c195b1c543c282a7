#pragma once

#include <string>

#include "apps/tls/error.hpp"
#include "apps/tls/files.hpp"

namespace warden::tls {

/// Credential files copied once into sealed memory files (memfd), named by
/// /proc/self/fd paths that stay valid for the life of this object.
///
/// Why: libcaf_openssl 0.17.6 reads its certificate, key and CA files again
/// for every connection, and throws from its I/O thread (ending the
/// process) when one cannot be loaded. Pinned copies cannot be changed,
/// truncated or removed by anyone, so what was checked at start is what
/// every later connection loads. Rotating credentials takes a restart.
///
/// The descriptors are close-on-exec and inherited by fork(), so a forked
/// child uses the same paths. Move-only; not thread-safe to move while in
/// use.
class pinned_credentials {
 public:
  pinned_credentials() = default;
  pinned_credentials(pinned_credentials&& other) noexcept;
  pinned_credentials& operator=(pinned_credentials&& other) noexcept;
  pinned_credentials(const pinned_credentials&) = delete;
  pinned_credentials& operator=(const pinned_credentials&) = delete;
  ~pinned_credentials();

  /// Reads the three files of `origin` and pins them. An error names the
  /// file that cannot be read, with the OS's reason.
  [[nodiscard]] static tls_result<pinned_credentials>
  pin(const credential_files& origin);

  /// The pinned copies' paths (/proc/self/fd/N), for CAF's configuration.
  [[nodiscard]] const credential_files& paths() const noexcept {
    return paths_;
  }

  /// The files the copies were read from, for messages.
  [[nodiscard]] const credential_files& origin() const noexcept {
    return origin_;
  }

 private:
  void close_all() noexcept;

  credential_files origin_;
  credential_files paths_;
  int fds_[3] = {-1, -1, -1};
};

} // namespace warden::tls
