#pragma once

#include <memory>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "apps/tls/detail/handshake_guard.hpp"

namespace warden::tls::detail {

/// A middleman actor that opens TLS ports for the BASP broker as
/// libcaf_openssl's does (its sessions, so the same credentials and
/// verification), with servants of ours that fix two faults of 0.17.6 for
/// connections still in their handshake:
/// - BASP queues its greeting at once; libcaf_openssl's stream then retries
///   the write on every poll while SSL_accept waits for the peer, so one
///   silent connection costs a core. Our stream stops asking for write
///   events while the handshake waits to read, and asks again after each
///   read.
/// - No deadline: `guard` closes handshakes that take too long, and the
///   oldest when a new one comes beyond its cap.
/// - OpenSSL's per-thread error queue: libcaf_openssl never clears it, so
///   one failed session closed every other session of the I/O thread; our
///   streams clear it around each call.
/// It also connects (a cluster's members to each other), with the same
/// streams and no guard, so that every TLS session of wardend is one of
/// ours.
caf::io::middleman_actor
spawn_tls_middleman(caf::actor_system& system,
                    std::shared_ptr<handshake_guard> guard);

} // namespace warden::tls::detail
