#pragma once

// A cluster's shared secret ([cluster] secret_file): members prove with it
// that they belong (actors/cluster/membership.hpp, member_greeting::proof).
// The node port's CA also signs wardenctl's certificates, so a certificate
// alone does not tell a member from a client; a client cannot forge a proof
// without the secret. The secret never leaves this process: not in logs,
// errors, metrics or a child's environment.

#include <optional>
#include <string>

namespace warden::tls {

/// What reading a secret file gives: the secret, or why not.
struct member_secret {
  std::optional<std::string> secret;
  /// Empty when `secret` is set; else names the file and what is wrong.
  std::string error;
};

/// The least bytes a cluster's secret holds (256 bits).
inline constexpr std::size_t min_member_secret_bytes = 32;

/// Reads the secret in `path`: a regular file readable by its owner alone
/// (mode 0600 or 0400), of at least min_member_secret_bytes once a final
/// line break is dropped.
[[nodiscard]] member_secret read_member_secret(const std::string& path);

/// HMAC-SHA256 of `message` under `secret`, as 64 hex digits.
[[nodiscard]] std::string member_proof(const std::string& secret,
                                       const std::string& message);

} // namespace warden::tls
