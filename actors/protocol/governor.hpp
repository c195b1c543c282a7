#pragma once

// Node-internal: the governor's permits for model and tool calls.
// One part of the protocol: include actors/protocol/messages.hpp, which
// lists every part, registers them, and has their inspect() overloads.

#include <cstdint>

#include <caf/actor.hpp>

#include "actors/protocol/basics.hpp"
#include "actors/protocol/calls.hpp"
#include "policies/concurrency_limits.hpp"

namespace warden {

/// Which governor layer a permit is taken from (the policy's own enum).
using permit_kind = policies::permit_kind;

/// Call `provider` under a model-stream permit (session -> governor). The
/// governor delegates the request, so the reply (`model_reply` or an error)
/// comes straight from the provider to the session.
struct governed_model_call {
  caf::actor provider;
  model_request request;
};

/// Call `tool` under a tool-call permit (session -> governor); the reply
/// (`tool_reply` or an error) comes straight from the tool runner.
struct governed_tool_call {
  caf::actor tool;
  tool_request request;
};

/// Governed calls ended (replied, failed, timed out or cancelled): their
/// permits return. One-way (dependency -> governor); a dependency sends one
/// for the calls it ended while working through its mailbox.
struct permit_release {
  permit_kind kind = permit_kind::model_stream;
  /// How many permits of `kind` return.
  std::uint32_t count = 1;
};

/// The dependency asks its callers to wait, or stops asking (dependency ->
/// governor, one-way; the sender is the dependency, as for permit_release).
/// While a hold lasts, the governor parks the dependency's new calls
/// without a permit, in its bounded waiting queue, and refuses at once, as
/// rate_limited with the wait, a call whose turn ends before the hold does.
/// When the hold ends it lets one call through to probe; the others follow
/// when the dependency says the hold is over.
struct dependency_hold {
  /// Milliseconds from now until one call may probe; 0: the hold is over
  /// and every call may go.
  std::int64_t wait_ms = 0;
};

} // namespace warden
