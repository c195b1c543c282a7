#pragma once

namespace warden::apps {

/// Process exit codes shared by Warden's executables.
inline constexpr int exit_ok = 0;
/// A runtime failure after start-up (e.g. a port already in use).
inline constexpr int exit_failure = 1;
/// An invalid configuration or command line: fix the input, then retry.
inline constexpr int exit_usage = 2;
/// wardenctl wait: the run ended, but not with success.
inline constexpr int exit_run_unsuccessful = 3;
/// wardenctl: no such run or session (for this tenant).
inline constexpr int exit_not_found = 4;
/// wardenctl: the node cannot be reached.
inline constexpr int exit_unreachable = 5;
/// wardenctl: the TLS handshake failed: the node refused this client's
/// certificate (another CA, expired, none) or this client refused the
/// node's. Asking again will not help: fix the certificates.
inline constexpr int exit_tls_refused = 6;

} // namespace warden::apps
