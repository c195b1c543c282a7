#pragma once

// The node's part in fan-out: routing spawn_agent calls to the supervisor of
// their root run, creating child runs that pass through admission and the
// child agent's pool like any run, cancelling them, and reporting every
// final run of a tree to its supervisor. Hooks called from
// actors/node/node.cpp.
//
// A child run is charged to its root's tenant at its root's priority, and
// its usage (its own children included) is added to its parent's when it is
// final, so a root's usage covers its whole tree.

#include <string>

#include <caf/message.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/node/node.hpp"

namespace warden {

/// The node actor as the hooks see it.
using node_actor_ptr = caf::stateful_actor<node_state>*;

/// Serves `spawn_child` from a session: checks the parent, root and agent,
/// assigns the child's run id, spawns the root's supervisor on the first
/// request, and delegates the request to it. A refusal answers
/// `child_finished` with `refused` set.
caf::result<caf::message> on_spawn_child(node_actor_ptr self, spawn_child& msg);

/// Creates the child run the supervisor allowed and sends it to admission;
/// answers the supervisor with a refusal when its parent is gone.
void on_admit_child(node_actor_ptr self, admit_child& msg);

/// Ends a run of a tree on the supervisor's request: a started run is
/// cancelled through its pool; a waiting one is returned for the node to
/// finish at once (null when there is nothing more to do).
[[nodiscard]] run_record* on_cancel_child(node_actor_ptr self,
                                          cancel_turn& msg);

/// Fills in what a turn of `r` needs from its tree: the node as spawner,
/// and for a child its depth and grant.
void prepare_tree_turn(node_actor_ptr self, const run_record& r,
                       turn_input& turn);

/// Whether an unfinished ancestor of child `r` will count `r`'s usage when
/// `r` ends (the first ancestor up the tree that is in memory and not final;
/// none for a root, or past an ancestor no longer in memory). A child none
/// will count counts its own tokens (stored_run::counts_own_tokens).
[[nodiscard]] bool counted_by_ancestor(node_actor_ptr self,
                                       const run_record& r);

/// Called when `r` became final, after its state, output and reason were
/// set: adds its children's usage to its own, its own to its parent's, and
/// tells the supervisor of its tree (which stops with the root).
void on_tree_run_final(node_actor_ptr self, run_record& r);

/// Called when admission rejected `r` (about to be forgotten): a child's
/// supervisor learns that the spawn was refused.
void on_tree_run_refused(node_actor_ptr self, const run_record& r,
                         const std::string& reason);

} // namespace warden
