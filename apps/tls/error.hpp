#pragma once

#include <optional>
#include <string>
#include <utility>

namespace warden::tls {

/// A TLS set-up step that failed: what it was about, and why.
struct tls_error {
  /// The subject: a file ("node.tls_cert /etc/warden/node.pem") or a step
  /// ("create the private CA").
  std::string subject;
  /// What went wrong, with OpenSSL's or the OS's reason where one was given.
  std::string message;

  /// Renders "subject: message".
  [[nodiscard]] std::string to_string() const {
    return subject + ": " + message;
  }
};

/// A value, or the error that prevented it.
template <class T>
struct tls_result {
  T value{};
  std::optional<tls_error> error;

  /// True when there is a value.
  explicit operator bool() const noexcept { return !error.has_value(); }
};

/// A failed `tls_result<T>`.
template <class T>
tls_result<T> tls_failure(std::string subject, std::string message) {
  return {T{}, tls_error{std::move(subject), std::move(message)}};
}

} // namespace warden::tls
