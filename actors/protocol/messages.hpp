#pragma once

// The message protocol of a Warden node: one line of comment per message.
//
// Client messages (client.hpp) cross processes: wardenctl and other nodes
// send them to the node's published entry actor, as are the session
// migration messages (`export_session`, `import_session`). Internal messages
// travel between the node's own actors; they have inspect() too, so that
// they can cross nodes later. Every type here is registered by
// `add_message_types`, which both ends of a connection must call.
//
// Replies: a handler answers with the reply type named in its comment, or
// with a `caf::error` of category `warden` (see actors/protocol/error.hpp).
//
// The messages are in parts, by who sends them to whom:
// - basics.hpp: ids, run states, usage;
// - client.hpp: the client protocol;
// - calls.hpp: conversations, model and tool calls;
// - admission.hpp, turns.hpp, children.hpp, snapshots.hpp,
// admission/governor.hpp,
//   journal.hpp: between the node's own actors;
// - migration.hpp: between nodes;
// - cluster.hpp: between the members of a cluster, and its operators' view.

#include <tuple>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "actors/protocol/admission.hpp"
#include "actors/protocol/basics.hpp"
#include "actors/protocol/calls.hpp"
#include "actors/protocol/children.hpp"
#include "actors/protocol/client.hpp"
#include "actors/protocol/cluster.hpp"
#include "actors/protocol/governor.hpp"
#include "actors/protocol/journal.hpp"
#include "actors/protocol/migration.hpp"
#include "actors/protocol/snapshots.hpp"
#include "actors/protocol/turns.hpp"

namespace warden {

/// A message type and the name it is registered under.
template <class T>
struct message_type {
  using type = T;
  const char* name;
};

/// Every type of the protocol, with its name: what `add_message_types`
/// registers, and what the protocol's round-trip test fills and checks
/// field by field (tests/actors/protocol/round_trip_test.cpp). A new message
/// type goes here.
inline const auto protocol_types = std::make_tuple(
    message_type<usage_totals>{"warden.usage_totals"},
    message_type<submit_run>{"warden.submit_run"},
    message_type<send_turn>{"warden.send_turn"},
    message_type<run_ack>{"warden.run_ack"},
    message_type<get_status>{"warden.get_status"},
    message_type<await_run>{"warden.await_run"},
    message_type<cancel_run>{"warden.cancel_run"},
    message_type<subscribe_run>{"warden.subscribe_run"},
    message_type<list_sessions>{"warden.list_sessions"},
    message_type<drain_node>{"warden.drain_node"},
    message_type<get_readiness>{"warden.get_readiness"},
    message_type<node_readiness>{"warden.node_readiness"},
    message_type<pause_tenant>{"warden.pause_tenant"},
    message_type<tenant_pause_state>{"warden.tenant_pause_state"},
    message_type<run_status>{"warden.run_status"},
    message_type<run_step>{"warden.run_step"},
    message_type<std::vector<run_step>>{"warden.run_steps"},
    message_type<run_event>{"warden.run_event"},
    message_type<run_subscription>{"warden.run_subscription"},
    message_type<run_delta>{"warden.run_delta"},
    message_type<session_info>{"warden.session_info"},
    message_type<std::vector<session_info>>{"warden.session_infos"},
    message_type<session_list>{"warden.session_list"},
    message_type<drain_report>{"warden.drain_report"},
    message_type<chat_message>{"warden.chat_message"},
    message_type<std::vector<chat_message>>{"warden.chat_messages"},
    message_type<tool_call>{"warden.tool_call"},
    message_type<std::vector<tool_call>>{"warden.tool_calls"},
    message_type<model_request>{"warden.model_request"},
    message_type<model_reply>{"warden.model_reply"},
    message_type<tool_request>{"warden.tool_request"},
    message_type<tool_reply>{"warden.tool_reply"},
    message_type<cancel_calls>{"warden.cancel_calls"},
    message_type<admit_run>{"warden.admit_run"},
    message_type<admission_verdict>{"warden.admission_verdict"},
    message_type<yield_slot>{"warden.yield_slot"},
    message_type<reclaim_slot>{"warden.reclaim_slot"},
    message_type<slot_returned>{"warden.slot_returned"},
    message_type<release_run>{"warden.release_run"},
    message_type<charge_tokens>{"warden.charge_tokens"},
    message_type<budget_grant>{"warden.budget_grant"},
    message_type<turn_input>{"warden.turn_input"},
    message_type<start_turn>{"warden.start_turn"},
    message_type<run_turn>{"warden.run_turn"},
    message_type<cancel_turn>{"warden.cancel_turn"},
    message_type<turn_finished>{"warden.turn_finished"},
    message_type<watch_turn>{"warden.watch_turn"},
    message_type<turn_step>{"warden.turn_step"},
    message_type<spawn_child>{"warden.spawn_child"},
    message_type<admit_child>{"warden.admit_child"},
    message_type<child_finished>{"warden.child_finished"},
    message_type<session_counters>{"warden.session_counters"},
    message_type<session_snapshot>{"warden.session_snapshot"},
    message_type<snapshot_session>{"warden.snapshot_session"},
    message_type<exported_run>{"warden.exported_run"},
    message_type<std::vector<exported_run>>{"warden.exported_runs"},
    message_type<export_session>{"warden.export_session"},
    message_type<session_export>{"warden.session_export"},
    message_type<import_session>{"warden.import_session"},
    message_type<open_session>{"warden.open_session"},
    message_type<session_imported>{"warden.session_imported"},
    message_type<governed_model_call>{"warden.governed_model_call"},
    message_type<governed_tool_call>{"warden.governed_tool_call"},
    message_type<permit_release>{"warden.permit_release"},
    message_type<dependency_hold>{"warden.dependency_hold"},
    message_type<storage::journal_entry>{"warden.journal_entry"},
    message_type<std::vector<storage::journal_entry>>{"warden.journal_entries"},
    message_type<journal_append>{"warden.journal_append"},
    message_type<journal_ack>{"warden.journal_ack"},
    message_type<watch_storage>{"warden.watch_storage"},
    message_type<storage_state>{"warden.storage_state"},
    message_type<member_greeting>{"warden.member_greeting"},
    message_type<member_beat>{"warden.member_beat"},
    message_type<member_view>{"warden.member_view"},
    message_type<std::vector<member_view>>{"warden.member_views"},
    message_type<cluster_view>{"warden.cluster_view"},
    message_type<get_cluster>{"warden.get_cluster"},
    message_type<member_report>{"warden.member_report"},
    message_type<std::vector<member_report>>{"warden.member_reports"},
    message_type<cluster_report>{"warden.cluster_report"},
    message_type<get_node_counts>{"warden.get_node_counts"},
    message_type<node_counts>{"warden.node_counts"},
    message_type<slot_table>{"warden.slot_table"},
    message_type<drain_member>{"warden.drain_member"},
    message_type<member_drain_report>{"warden.member_drain_report"},
    message_type<list_foreign>{"warden.list_foreign"},
    message_type<foreign_sessions>{"warden.foreign_sessions"},
    message_type<handoff_session>{"warden.handoff_session"},
    message_type<handoff_done>{"warden.handoff_done"},
    message_type<lease_members>{"warden.lease_members"},
    message_type<lease_ask>{"warden.lease_ask"},
    message_type<lease_grant>{"warden.lease_grant"},
    message_type<lease_return>{"warden.lease_return"},
    message_type<lease_recall>{"warden.lease_recall"},
    message_type<get_lease_counts>{"warden.get_lease_counts"},
    message_type<lease_counts>{"warden.lease_counts"});

/// Registers every message type of the protocol (and the error category)
/// with `cfg`. Both ends of a connection must call it.
void add_message_types(caf::actor_system_config& cfg);

} // namespace warden

// The inspect() overloads of every message type.
#include "actors/protocol/detail/inspect.hpp"
