#pragma once

// Fakes and a fixture for the session suites: a governor that delegates to
// fake providers and tools, scripted replies, a journal that records. Include
// after caf/test/dsl.hpp.

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "actors/session/agent_runtime.hpp"
#include "actors/session/session.hpp"

namespace session_test {

using namespace warden;

using release_atom = caf::atom_constant<caf::atom("release")>;

/// One scripted answer of a fake dependency.
template <class Reply>
struct scripted {
  enum class kind { reply, error, hold };
  kind what = kind::reply;
  Reply reply;
  caf::error err;
};

template <class Reply>
scripted<Reply> answer(Reply x) {
  return {scripted<Reply>::kind::reply, std::move(x), {}};
}

template <class Reply>
scripted<Reply> fail_with(caf::error err) {
  return {scripted<Reply>::kind::error, {}, std::move(err)};
}

/// Held until the test sends `release_atom`, then answered with `x`.
template <class Reply>
scripted<Reply> hold(Reply x) {
  return {scripted<Reply>::kind::hold, std::move(x), {}};
}

/// A provider or tool runner that answers from a script and records what it
/// saw. An empty script answers `fallback`.
template <class Request, class Reply>
struct fake_dependency_state {
  static inline const char* name = "fake_dependency";
  std::deque<scripted<Reply>> script;
  Reply fallback;
  std::vector<Request> requests;
  std::vector<std::pair<caf::typed_response_promise<Reply>, Reply>> held;
  int cancels = 0;
};

template <class Request, class Reply>
caf::behavior fake_dependency(
    caf::stateful_actor<fake_dependency_state<Request, Reply>>* self) {
  return {
      [=](Request& request) -> caf::result<Reply> {
        auto& st = self->state;
        st.requests.push_back(request);
        if (st.script.empty())
          return st.fallback;
        auto next = std::move(st.script.front());
        st.script.pop_front();
        switch (next.what) {
        case scripted<Reply>::kind::reply:
          return std::move(next.reply);
        case scripted<Reply>::kind::error:
          return std::move(next.err);
        case scripted<Reply>::kind::hold:
          break;
        }
        auto rp = self->template make_response_promise<Reply>();
        st.held.emplace_back(rp, std::move(next.reply));
        return rp;
      },
      [=](release_atom) {
        auto& st = self->state;
        for (auto& [rp, reply] : st.held)
          rp.deliver(std::move(reply));
        st.held.clear();
      },
      [=](const cancel_calls&) { ++self->state.cancels; },
  };
}

using provider_state = fake_dependency_state<model_request, model_reply>;
using tool_state = fake_dependency_state<tool_request, tool_reply>;

/// Passes governed calls on to their dependency (as the real governor does
/// with delegate), or refuses tool calls when told to.
struct fake_governor_state {
  static inline const char* name = "fake_governor";
  int model_calls = 0;
  int tool_calls = 0;
  int cancels = 0;
  bool refuse_tools = false;
};

inline caf::behavior
fake_governor(caf::stateful_actor<fake_governor_state>* self) {
  return {
      [=](governed_model_call& call) {
        ++self->state.model_calls;
        return self->delegate(call.provider, std::move(call.request));
      },
      [=](governed_tool_call& call) -> caf::result<caf::message> {
        ++self->state.tool_calls;
        if (self->state.refuse_tools)
          return make_error(error_code::queue_full, "tool-call queue is full");
        return self->delegate(call.tool, std::move(call.request));
      },
      [=](const cancel_calls&) { ++self->state.cancels; },
  };
}

/// Records appended entries; acks them, or answers with an error when told.
struct fake_journal_state {
  static inline const char* name = "fake_journal";
  std::vector<storage::journal_entry> entries;
  /// Entries per append message, in arrival order.
  std::vector<std::size_t> batches;
  bool fail = false;
};

inline caf::behavior
fake_journal(caf::stateful_actor<fake_journal_state>* self) {
  return {
      [=](journal_append& batch) {
        auto& st = self->state;
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        if (st.fail) {
          // What the journal actor answers when its store refuses writes.
          self->send(
              sender,
              journal_ack{batch.ticket,
                          make_error(error_code::unavailable,
                                     "the journal could not write: disk full",
                                     storage_retry_after)});
          return;
        }
        st.batches.push_back(batch.entries.size());
        for (auto& x : batch.entries)
          st.entries.push_back(std::move(x));
        if (!batch.quiet)
          self->send(sender, journal_ack{batch.ticket, {}});
      },
  };
}

struct test_config : caf::actor_system_config {
  test_config() { warden::add_message_types(*this); }
};

/// A model reply.
inline model_reply reply(std::string text, std::vector<tool_call> calls = {},
                         std::uint64_t prompt = 10,
                         std::uint64_t completion = 5) {
  model_reply result;
  result.text = std::move(text);
  result.tool_calls = std::move(calls);
  result.prompt_tokens = prompt;
  result.completion_tokens = completion;
  return result;
}

inline tool_reply tool_output(std::string x) {
  return {std::move(x), 0};
}

struct fixture : test_coordinator_fixture<test_config> {
  static constexpr session_id sid = 7;

  caf::actor provider;
  caf::actor echo;
  caf::actor search;
  caf::actor governor;
  caf::actor journal;
  agent_runtime runtime;
  caf::actor session;

  fixture() {
    provider = sys.spawn(fake_dependency<model_request, model_reply>);
    echo = sys.spawn(fake_dependency<tool_request, tool_reply>);
    search = sys.spawn(fake_dependency<tool_request, tool_reply>);
    governor = sys.spawn(fake_governor);
    journal = sys.spawn(fake_journal);
    sched.run();
    provider_st().fallback = reply("fallback answer");
    tool_st(echo).fallback = tool_output("echoed");
    tool_st(search).fallback = tool_output("found");
    runtime.name = "researcher";
    runtime.settings.provider = "scripted";
    runtime.settings.tools = {"echo", "search", "delegate"};
    runtime.settings.max_iterations = 4;
    runtime.settings.turn_timeout_ms = 10'000;
    runtime.settings.context_token_budget = 100'000;
    runtime.provider = provider;
    runtime.tools = {{"echo", echo}, {"search", search}};
    warden::config::tool_settings echo_def;
    echo_def.kind = warden::config::tool_kind::echo;
    echo_def.timeout_ms = 1'000;
    warden::config::tool_settings search_def;
    search_def.timeout_ms = 2'000;
    warden::config::tool_settings delegate_def;
    delegate_def.kind = warden::config::tool_kind::spawn_agent;
    delegate_def.agent = "helper";
    runtime.tool_definitions = {
        {"echo", echo_def}, {"search", search_def}, {"delegate", delegate_def}};
    runtime.governor = governor;
    runtime.journal = journal;
  }

  ~fixture() override {
    // Held promises and the runtime's handles form cycles: stop everyone.
    for (auto* x : {&session, &provider, &echo, &search, &governor, &journal})
      if (*x)
        caf::anon_send_exit(*x, caf::exit_reason::user_shutdown);
    run();
  }

  /// Spawns the session from the runtime as configured by the test.
  void start_session() {
    session = sys.spawn(session_actor, sid,
                        std::make_shared<const agent_runtime>(runtime));
    sched.run();
  }

  void send_turn(run_id run, std::string input, budget_grant grant = {}) {
    turn_input turn{run, sid, "acme", std::move(input), 1, grant, nullptr, {}};
    self->send(session, run_turn{std::move(turn)});
  }

  /// The next turn_finished in the test's mailbox, if any.
  std::optional<turn_finished> finished() {
    std::optional<turn_finished> result;
    self->receive([&](turn_finished& x) { result = std::move(x); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

  provider_state& provider_st() {
    return deref<caf::stateful_actor<provider_state>>(provider).state;
  }

  tool_state& tool_st(const caf::actor& tool) {
    return deref<caf::stateful_actor<tool_state>>(tool).state;
  }

  fake_governor_state& governor_st() {
    return deref<caf::stateful_actor<fake_governor_state>>(governor).state;
  }

  fake_journal_state& journal_st() {
    return deref<caf::stateful_actor<fake_journal_state>>(journal).state;
  }

  session_state& session_st(const caf::actor& x) {
    return deref<session_actor_type>(x).state;
  }

  session_state& session_st() { return session_st(session); }

  /// Entries of `kind` the journal holds.
  std::size_t journaled(storage::entry_kind kind) {
    std::size_t n = 0;
    for (const auto& x : journal_st().entries)
      if (x.kind == kind)
        ++n;
    return n;
  }

  void script(std::initializer_list<scripted<model_reply>> xs) {
    for (const auto& x : xs)
      provider_st().script.push_back(x);
  }
};

/// The next T in `self`'s mailbox; fails the test on an error or none.
template <class T>
T take_reply(caf::scoped_actor& self, caf::actor_system& sys) {
  T result;
  self->receive([&](T& x) { result = std::move(x); },
                [&](caf::error& err) {
                  CAF_FAIL("unexpected error " << sys.render(err));
                },
                caf::after(std::chrono::seconds{0}) >>
                    [&] { CAF_FAIL("no reply"); });
  return result;
}

} // namespace session_test
