#include "bench/standard/raw_flow.hpp"

#include <caf/all.hpp>

#include "actors/dependencies/scripted_model.hpp"
#include "actors/dependencies/tool_backends.hpp"

#include "bench/standard/governed_client.hpp"

namespace warden::bench {

namespace {

struct raw_provider_state {
  static inline const char* name = "bench.raw_provider";
  scripted_model model;
};

caf::behavior raw_provider(caf::stateful_actor<raw_provider_state>* self) {
  return {
      [self](const model_request& request) {
        return self->state.model.reply_to(request);
      },
  };
}

caf::behavior raw_tool() {
  auto echo = echo_function();
  return {
      [echo](const tool_request& request) {
        auto result = echo(request.arguments, request.idempotency_key);
        return tool_reply{result.output.value_or(result.failure.reason), 0};
      },
  };
}

using session_ptr = caf::stateful_actor<raw_session_state>*;

void model_call(session_ptr self);

void tool_done(session_ptr self, std::size_t index, std::string output) {
  auto& st = self->state;
  st.results[index] = std::move(output);
  if (--st.open > 0)
    return;
  for (std::size_t i = 0; i < st.calls.size(); ++i)
    st.conversation.push_back(
        {chat_role::tool, std::move(st.results[i]), st.calls[i].tool});
  model_call(self);
}

void on_model_reply(session_ptr self, model_reply& reply) {
  auto& st = self->state;
  st.usage.model_calls += 1;
  st.usage.prompt_tokens += reply.prompt_tokens;
  st.usage.completion_tokens += reply.completion_tokens;
  st.conversation.push_back({chat_role::assistant, reply.text, {}});
  if (reply.tool_calls.empty()) {
    st.promise.deliver(turn_finished{st.run,
                                     st.id,
                                     run_state::succeeded,
                                     std::move(reply.text),
                                     {},
                                     st.usage});
    return;
  }
  st.calls = std::move(reply.tool_calls);
  st.results.assign(st.calls.size(), {});
  st.open = st.calls.size();
  for (std::size_t i = 0; i < st.calls.size(); ++i) {
    const auto& call = st.calls[i];
    caf::actor tool;
    for (std::size_t t = 0; t < st.targets->tool_names.size(); ++t)
      if (st.targets->tool_names[t] == call.tool)
        tool = st.targets->tools[t];
    auto position = static_cast<std::uint32_t>(i);
    tool_request request{st.run,
                         st.id,
                         st.step,
                         position,
                         call.tool,
                         call.arguments,
                         std::to_string(st.run) + "/" +
                             std::to_string(st.step) + "/" +
                             std::to_string(position)};
    st.usage.tool_calls += 1;
    self->request(tool, caf::infinite, std::move(request))
        .then([self, i](tool_reply& answer) {
          tool_done(self, i, std::move(answer.output));
        });
  }
}

void model_call(session_ptr self) {
  auto& st = self->state;
  model_request request{
      st.run, st.id, ++st.step, st.conversation, st.targets->tool_names,
      false,  0};
  self->request(st.targets->provider, caf::infinite, std::move(request))
      .then([self](model_reply& reply) { on_model_reply(self, reply); });
}

using client_ptr = caf::stateful_actor<raw_client_state>*;

void fill(client_ptr self) {
  auto& st = self->state;
  while (st.outstanding < st.cfg.window && st.cfg.tally->claim()) {
    auto n = st.submitted++;
    auto id = st.cfg.first_session + n;
    auto session = self->spawn<caf::lazy_init>(raw_session, st.cfg.targets, id);
    turn_input turn;
    turn.run = id;
    turn.session = id;
    turn.tenant = st.cfg.tenant;
    turn.input = "question " + std::to_string(n) + " from " + st.cfg.tenant;
    self->send(session, run_turn{std::move(turn)});
    ++st.outstanding;
  }
}

void ended(client_ptr self, run_outcome outcome) {
  --self->state.outstanding;
  self->state.cfg.tally->finish(outcome);
  fill(self);
}

} // namespace

raw_targets_ptr spawn_raw_targets(caf::actor_system& sys) {
  auto result = std::make_shared<raw_targets>();
  result->provider = sys.spawn(raw_provider);
  for (const char* name : {"echo_a", "echo_b"}) {
    result->tool_names.emplace_back(name);
    result->tools.push_back(sys.spawn(raw_tool));
  }
  return result;
}

caf::behavior raw_session(session_ptr self, raw_targets_ptr targets,
                          session_id id) {
  self->state.targets = std::move(targets);
  self->state.id = id;
  return {
      [self](run_turn& msg) -> caf::result<turn_finished> {
        auto& st = self->state;
        st.promise = self->make_response_promise();
        st.run = msg.turn.run;
        st.step = 0;
        st.usage = {};
        st.conversation.push_back(
            {chat_role::user, std::move(msg.turn.input), {}});
        model_call(self);
        return st.promise;
      },
  };
}

caf::behavior raw_client(client_ptr self, raw_client_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
      [self](go_atom) { fill(self); },
      [self](const turn_finished& done) {
        ended(self, done.state == run_state::succeeded ? run_outcome::succeeded
                                                       : run_outcome::failed);
      },
      [self](caf::error&) { ended(self, run_outcome::failed); },
  };
}

} // namespace warden::bench
