#pragma once

// A node with real pools, sessions and supervisors, a recording admission, a
// real journal, and fake providers (one per agent) behind a fake governor,
// for the fan-out suites. Include after caf/test/dsl.hpp.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/admission/agent_pool.hpp"
#include "actors/admission/supervisor.hpp"
#include "actors/journal/journal.hpp"
#include "actors/node/node.hpp"
#include "tests/actors/session/session_fixture.hpp"

namespace fanout_test {

using namespace warden;
using namespace session_test;

/// Admission stand-in: admits every run except those in `reject`, and
/// records what it saw.
struct recording_admission_state {
  static inline const char* name = "recording_admission";
  std::vector<admit_run> seen;
  std::vector<run_id> released;
  std::vector<release_run> releases;
  std::set<run_id> reject;
};

inline caf::behavior
recording_admission(caf::stateful_actor<recording_admission_state>* self) {
  return {
      [self](admit_run& req) {
        auto& st = self->state;
        st.seen.push_back(req);
        admission_verdict v{req.run, admission_outcome::admitted, {}, 0, 0};
        if (st.reject.count(req.run) > 0) {
          v.outcome = admission_outcome::rejected;
          v.refusal = make_error(error_code::queue_full,
                                 "tenant queue of " + req.tenant + " is full");
        }
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), v);
      },
      [self](release_run& req) {
        self->state.released.push_back(req.run);
        self->state.releases.push_back(req);
      },
  };
}

/// A spawn_agent call of the `delegate` tool with `text` as the child's input.
inline tool_call spawn_call(const std::string& text) {
  return {"delegate", R"({"text":")" + text + R"("})"};
}

struct fixture : test_coordinator_fixture<test_config> {
  caf::actor admission;
  caf::actor journal;
  caf::actor governor;
  /// The providers of the researcher and helper agents.
  caf::actor researcher_model;
  caf::actor helper_model;
  caf::actor node;
  /// Agent settings; tests adjust them before `start()`.
  config::agent_settings researcher;
  config::agent_settings helper;
  /// The spawn_agent tool both agents have: a child of agent helper.
  config::tool_settings delegate;
  /// Further tools, with their runners, that the agents may be given.
  std::map<std::string, std::pair<config::tool_settings, caf::actor>> tools;
  /// The store behind the journal, read back by a node that resumes.
  std::shared_ptr<storage::memory_journal> store =
      std::make_shared<storage::memory_journal>();

  fixture() {
    admission = sys.spawn(recording_admission);
    journal = sys.spawn(journal_actor, store, journal_options{});
    governor = sys.spawn(fake_governor);
    researcher_model = sys.spawn(fake_dependency<model_request, model_reply>);
    helper_model = sys.spawn(fake_dependency<model_request, model_reply>);
    sched.run();
    model_st(researcher_model).fallback = reply("root answer");
    model_st(helper_model).fallback = reply("child answer");
    for (auto* agent : {&researcher, &helper}) {
      agent->provider = "fake";
      agent->tools = {"delegate"};
      agent->max_iterations = 4;
      agent->turn_timeout_ms = 10'000;
      agent->context_token_budget = 100'000;
      agent->run_budget = {0, 0, 0}; // unlimited unless a test says so
    }
    delegate.kind = config::tool_kind::spawn_agent;
    delegate.agent = "helper";
    delegate.timeout_ms = 1'000;
  }

  ~fixture() override {
    for (auto* x : {&node, &admission, &journal, &governor, &researcher_model,
                    &helper_model})
      if (*x)
        caf::anon_send_exit(*x, caf::exit_reason::user_shutdown);
    run();
  }

  agent_runtime_ptr runtime(const std::string& name,
                            const config::agent_settings& settings,
                            const caf::actor& model) {
    auto result = std::make_shared<agent_runtime>();
    result->name = name;
    result->settings = settings;
    result->provider = model;
    result->tool_definitions["delegate"] = delegate;
    for (const auto& [name, tool] : tools) {
      result->tool_definitions[name] = tool.first;
      result->tools[name] = tool.second;
    }
    result->child_budgets["helper"] = helper.run_budget;
    result->governor = governor;
    result->journal = journal;
    return result;
  }

  /// Spawns the node with the agents as configured by the test; with
  /// `resume`, on the store, taking back the runs it holds unfinished.
  void start(bool resume = false) {
    node_components parts;
    if (resume) {
      parts.store = store;
      parts.recovered = store->unfinished_runs().value;
      parts.watermarks = store->watermarks().value;
    }
    parts.admission = admission;
    parts.journal = journal;
    parts.agents["researcher"] =
        runtime("researcher", researcher, researcher_model);
    parts.agents["helper"] = runtime("helper", helper, helper_model);
    parts.spawn_pool = [](caf::event_based_actor* self,
                          const agent_runtime& agent) {
      agent_pool_config cfg;
      cfg.agent = agent.name;
      cfg.max_concurrency = agent.settings.max_concurrency;
      cfg.owner = caf::actor_cast<caf::actor>(self);
      return spawn_agent_pool(self->system(), std::move(cfg));
    };
    parts.spawn_session = [](caf::event_based_actor* self, session_id id,
                             const agent_runtime_ptr& agent) {
      return self->spawn(session_actor, id, agent);
    };
    node = sys.spawn(node_actor, std::move(parts), node_options{});
    sched.run();
  }

  /// Takes the next message of type T from the test's mailbox, after
  /// running every pending message (but no timer).
  template <class T>
  T next() {
    sched.run();
    T result;
    bool got = false;
    self->receive(
        [&](T& x) { result = std::move(x), got = true; },
        [&](caf::error& err) { CAF_FAIL("got error " << sys.render(err)); },
        caf::after(std::chrono::seconds{0}) >> [] {});
    CAF_REQUIRE(got);
    return result;
  }

  run_ack submit(const std::string& input, const std::string& tenant = "acme",
                 const std::string& priority = "") {
    self->send(node, submit_run{tenant, "researcher", input, priority, ""});
    return next<run_ack>();
  }

  run_status status(run_id run, const std::string& tenant = "acme") {
    self->send(node, get_status{tenant, run});
    return next<run_status>();
  }

  provider_state& model_st(const caf::actor& model) {
    return deref<caf::stateful_actor<provider_state>>(model).state;
  }

  recording_admission_state& admission_st() {
    return deref<caf::stateful_actor<recording_admission_state>>(admission)
        .state;
  }

  node_state& node_st() {
    return deref<caf::stateful_actor<node_state>>(node).state;
  }

  agent_pool_state& pool_st(const std::string& agent) {
    return deref<agent_pool_actor>(node_st().components.pools.at(agent)).state;
  }

  /// The session running `run`'s turn.
  session_state& session_of(run_id run) {
    auto& st = node_st();
    auto sid = st.runs.at(run).status.session;
    return deref<session_actor_type>(st.registry.sessions().at(sid).actor)
        .state;
  }

  /// The content of message `index` (from the end when negative) of model
  /// request `request` that `model` received.
  std::string sent(const caf::actor& model, std::size_t request,
                   int index = -1) {
    auto& messages = model_st(model).requests.at(request).messages;
    auto i = index < 0 ? static_cast<int>(messages.size()) + index : index;
    return messages.at(static_cast<std::size_t>(i)).content;
  }
};

} // namespace fanout_test
