#pragma once

// The node's answers to its clients' requests, one function per message;
// the node actor's behaviour (actors/node/node.cpp) only routes to them.
// Private to the node actor.

#include <caf/atom.hpp>
#include <caf/result.hpp>

#include "actors/node/detail/runs.hpp"

namespace warden::detail {

/// The node's own message: a bounded await_run's bound (run, waiter serial).
using wait_bound_atom = caf::atom_constant<caf::atom("wait_bound")>;

/// The node's own message: a drain's time is up.
using drain_deadline_atom = caf::atom_constant<caf::atom("drain_dl")>;

/// A new session's first run; run_ack once admitted or queued, and durable.
caf::result<run_ack> on_submit_run(node_ptr self, submit_run& req);

/// A turn of a known session, after its busy policy made room.
caf::result<run_ack> on_send_turn(node_ptr self, send_turn& req);

/// The run's status as a client may see it (reported_status).
caf::result<run_status> on_get_status(node_ptr self, const get_status& req);

/// The final status, at once or when the run is reported final (or the
/// wait's bound fires: wait_bound_atom).
caf::result<run_status> on_await_run(node_ptr self, const await_run& req);

/// A bounded await_run's time is up: its waiter gets the status as it is.
void on_wait_bound(node_ptr self, run_id run, std::uint64_t serial);

/// Cancels the run (and its subtree): cancel().
caf::result<run_status> on_cancel_run(node_ptr self, const cancel_run& req);

/// Sends the subscriber the run's events the node holds after `req.after`,
/// and adds it as a receiver of those to come until the run is reported
/// final (node/run_events.cpp).
caf::result<run_subscription> on_subscribe_run(node_ptr self,
                                               const subscribe_run& req);

/// The tenant's sessions, in memory and passivated, by id.
caf::result<session_list> on_list_sessions(node_ptr self,
                                           const list_sessions& req);

/// Starts a drain (new work refused); answered once every run is final.
caf::result<drain_report> on_drain(node_ptr self);

/// Whether the node takes new work (not draining, storage writable).
node_readiness on_get_readiness(node_ptr self);

/// The node's resident sessions and unfinished runs (a cluster's report).
caf::result<node_counts> on_get_node_counts(node_ptr self);

/// The drain's time is up: every unfinished run is cancelled.
void on_drain_deadline(node_ptr self);

/// An operator's pause or resume of a tenant, carried out by admission;
/// answered with admission's answer once the node has noted it.
caf::result<tenant_pause_state> on_pause_tenant(node_ptr self,
                                                const pause_tenant& req);

} // namespace warden::detail
