#include "actors/dependencies/mcp/server.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <prometheus/counter.h>

#include "actors/dependencies/command_tool.hpp"
#include "actors/dependencies/mcp/jsonrpc.hpp"
#include "actors/dependencies/mcp/names.hpp"
#include "actors/dependencies/mcp/protocol.hpp"
#include "actors/dependencies/process/output_tail.hpp"
#include "actors/protocol/error.hpp"

namespace warden::mcp {

namespace {

using std::chrono::milliseconds;
using error_class = policies::error_class;

// Timers (server -> itself).
struct startup_due {
  std::uint64_t child = 0;
};
struct ping_due {
  std::uint64_t child = 0;
  std::uint64_t id = 0;
};
struct idle_due {
  std::uint64_t child = 0;
};
struct restart_due {
  std::uint64_t generation = 0;
};

} // namespace
} // namespace warden::mcp

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::startup_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::ping_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::idle_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(warden::mcp::restart_due)

namespace warden::mcp {

namespace {

/// An attempt, as the server knows it: its runner, call and attempt.
struct call_key {
  caf::actor_id owner = 0;
  std::uint64_t call = 0;
  std::uint32_t attempt = 0;

  bool operator<(const call_key& other) const noexcept {
    return std::tie(owner, call, attempt) <
           std::tie(other.owner, other.call, other.attempt);
  }
  bool operator==(const call_key& other) const noexcept {
    return owner == other.owner && call == other.call &&
           attempt == other.attempt;
  }
};

call_key key_of(const attempt_ticket& ticket) {
  return {ticket.owner ? ticket.owner.id() : 0, ticket.call, ticket.attempt};
}

/// A call waiting for a process, or being served by one.
struct waiting_call {
  call_key key;
  attempt_ticket ticket;
  std::string tool;
  json arguments;
};

/// What a request of Warden's on one process asked.
enum class asked { initialize, list, call, ping };

/// One process of the server.
struct process_slot {
  explicit process_slot(std::size_t max_line) : reader(max_line) {}

  enum class phase { starting, ready, stopping };
  phase state = phase::starting;
  line_reader reader;
  std::uint64_t next_id = 0;
  /// Warden's requests in flight on it, by JSON-RPC id.
  std::map<std::uint64_t, asked> pending;
  /// The call it serves and the id of its tools/call.
  std::optional<waiting_call> serving;
  std::uint64_t serving_id = 0;
  /// A call was abandoned: the process is held until it answers the ping
  /// with this id (0: none).
  std::uint64_t held_by_ping = 0;
  /// Ids of abandoned calls, whose late answers are dropped.
  std::set<std::uint64_t> abandoned;
  /// Pages of tools/list gathered so far.
  std::vector<tool_info> listing;
  std::vector<std::string> listing_notes;
  bool relist = false;
  std::uint64_t calls = 0;
  caf::actor_clock::time_point last_used;
  /// An idle_due timer is pending for it (one at a time, however many
  /// calls it serves meanwhile).
  bool idle_armed = false;
};

struct server_state {
  static inline const char* name = "warden.mcp_server";

  caf::event_based_actor* self = nullptr;
  server_config cfg;
  std::map<std::uint64_t, process_slot> slots;
  std::deque<waiting_call> queue;
  /// Tools by the server's name, once first listed.
  std::optional<std::map<std::string, offered_tool>> tools;
  std::vector<caf::response_promise> discovering;
  std::vector<std::string> offer_notes;
  process::output_tail errors{0};
  std::uint32_t failures = 0;
  std::uint64_t restarts = 0;
  std::string last_failure;
  /// While set, no process starts (backoff after a failure).
  std::optional<caf::actor_clock::time_point> backoff_until;
  std::uint64_t restart_generation = 0;

  caf::actor_clock::time_point now() const { return self->clock().now(); }

  void note(const std::string& text) {
    if (cfg.log)
      cfg.log("mcp server " + cfg.name + ": " + text);
  }

  std::string stderr_note() const {
    auto tail = errors.text();
    if (tail.size() > 512)
      tail = "..." + tail.substr(tail.size() - 512);
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r'))
      tail.pop_back();
    return tail.empty() ? std::string{} : "; its stderr ends: " + tail;
  }

  // -- processes -------------------------------------------------------------

  std::size_t live() const {
    return static_cast<std::size_t>(
        std::count_if(slots.begin(), slots.end(), [](const auto& entry) {
          return entry.second.state != process_slot::phase::stopping;
        }));
  }

  bool in_backoff() const { return backoff_until && now() < *backoff_until; }

  void start_process() {
    process::process_request request;
    request.launch.path = cfg.settings.command;
    request.launch.args = cfg.settings.args;
    request.launch.environment = child_environment(cfg.settings.env);
    request.launch.cwd = cfg.settings.cwd;
    request.kill_grace = milliseconds{cfg.settings.kill_grace_ms};
    request.metrics = cfg.metrics;
    if (failures > 0) {
      ++restarts;
      if (cfg.metrics.restarts != nullptr)
        cfg.metrics.restarts->Increment();
    }
    auto child =
        cfg.host->start(std::move(request), caf::actor_cast<caf::actor>(self));
    auto [at, fresh] = slots.emplace(
        child,
        process_slot{static_cast<std::size_t>(cfg.settings.max_message_bytes)});
    (void)fresh;
    at->second.last_used = now();
    send(child, at->second, asked::initialize, "initialize",
         initialize_params(cfg.client_version));
    self->delayed_send(self, milliseconds{cfg.settings.startup_timeout_ms},
                       startup_due{child});
  }

  std::uint64_t send(std::uint64_t child, process_slot& slot, asked what,
                     std::string_view method, const json& params) {
    auto id = ++slot.next_id;
    slot.pending[id] = what;
    cfg.host->write(child, request_text(id, method, params));
    return id;
  }

  /// Stops process `child` for `reason`: its call fails (`why`, transient),
  /// the failure counts when `failed`.
  void stop_process(std::uint64_t child, process::kill_reason reason,
                    const std::string& why, bool failed) {
    auto i = slots.find(child);
    if (i == slots.end() || i->second.state == process_slot::phase::stopping)
      return;
    cfg.host->stop(child, reason);
    lose(i->second, why, failed);
    i->second.state = process_slot::phase::stopping;
  }

  /// Process `slot` is gone or going: its call fails, and a failure starts
  /// the backoff (and fails the queue when nothing else can serve it).
  void lose(process_slot& slot, const std::string& why, bool failed) {
    if (slot.serving) {
      report_failure(slot.serving->ticket,
                     attempt_failure{error_class::transient,
                                     "MCP server " + cfg.name + ": " + why +
                                         " during the call" + stderr_note(),
                                     std::nullopt});
      slot.serving.reset();
    }
    if (!failed)
      return;
    ++failures;
    last_failure = why;
    note(why + stderr_note());
    auto base = milliseconds{cfg.settings.restart_backoff_ms};
    auto most = milliseconds{cfg.settings.max_restart_backoff_ms};
    auto wait = base;
    for (std::uint32_t i = 1; i < failures && wait < most; ++i)
      wait *= 2;
    wait = std::min(wait, most);
    backoff_until = now() + wait;
    self->delayed_send(self, wait, restart_due{++restart_generation});
    if (!discovering.empty() && !tools) {
      auto err = make_error(error_code::dependency_failed,
                            "MCP server " + cfg.name + ": " + why +
                                " before it listed its tools" + stderr_note());
      for (auto& promise : discovering)
        promise.deliver(err);
      discovering.clear();
    }
  }

  /// Fails every queued call at once when no process can serve them before
  /// the backoff ends.
  void fail_queue_if_stranded() {
    if (live() > 0 || !in_backoff())
      return;
    auto wait =
        std::chrono::duration_cast<milliseconds>(*backoff_until - now());
    for (auto& call : queue)
      report_failure(
          call.ticket,
          attempt_failure{
              error_class::transient,
              "MCP server " + cfg.name + " is restarting (next start in " +
                  std::to_string(wait.count()) + " ms, after " +
                  std::to_string(failures) +
                  " failures in a row): " + last_failure + stderr_note(),
              std::nullopt});
    queue.clear();
  }

  // -- calls -----------------------------------------------------------------

  /// Hands queued calls to free processes and starts processes for the
  /// rest, within max_processes and outside a backoff.
  void dispatch() {
    while (!queue.empty()) {
      auto free = std::find_if(slots.begin(), slots.end(),
                               [](const auto& e) { return is_free(e.second); });
      if (free == slots.end())
        break;
      auto call = std::move(queue.front());
      queue.pop_front();
      serve(free->first, free->second, std::move(call));
    }
    if (queue.empty() || in_backoff())
      return fail_queue_if_stranded();
    auto starting = static_cast<std::size_t>(
        std::count_if(slots.begin(), slots.end(), [](const auto& entry) {
          return entry.second.state == process_slot::phase::starting;
        }));
    while (starting < queue.size() && live() < cfg.settings.max_processes) {
      start_process();
      ++starting;
    }
  }

  void serve(std::uint64_t child, process_slot& slot, waiting_call call) {
    if (tools && tools->count(call.tool) == 0) {
      report_failure(call.ticket,
                     attempt_failure{error_class::permanent,
                                     "MCP server " + cfg.name +
                                         " no longer offers tool `" +
                                         call.tool + "`",
                                     std::nullopt});
      return;
    }
    slot.serving_id = send(child, slot, asked::call, "tools/call",
                           call_tool_params(call.tool, call.arguments));
    slot.serving = std::move(call);
    ++slot.calls;
  }

  void on_call(call_tool& msg) {
    auto arguments = msg.arguments.empty()
                         ? json::object()
                         : json::parse(msg.arguments, nullptr, false);
    if (!arguments.is_object()) {
      report_failure(msg.ticket,
                     attempt_failure{error_class::permanent,
                                     "the arguments of an MCP tool must be a "
                                     "JSON object, got: " +
                                         msg.arguments.substr(0, 200),
                                     std::nullopt});
      return;
    }
    fail_queue_if_stranded();
    if (live() == 0 && in_backoff()) {
      queue.push_back({key_of(msg.ticket), msg.ticket, std::move(msg.tool),
                       std::move(arguments)});
      return fail_queue_if_stranded();
    }
    // Calls a process will take (free, starting or yet to start) do not
    // count against max_queue: those beyond them do.
    auto busy = static_cast<std::size_t>(
        std::count_if(slots.begin(), slots.end(), [](const auto& entry) {
          const auto& slot = entry.second;
          return slot.state != process_slot::phase::stopping &&
                 (slot.serving || slot.held_by_ping != 0);
        }));
    auto takers = cfg.settings.max_processes -
                  std::min<std::size_t>(busy, cfg.settings.max_processes);
    if (queue.size() >= cfg.settings.max_queue + takers) {
      report_failure(
          msg.ticket,
          attempt_failure{error_class::rate_limited,
                          "MCP server " + cfg.name + ": all " +
                              std::to_string(cfg.settings.max_processes) +
                              " processes busy and " +
                              std::to_string(queue.size()) +
                              " calls waiting (max_queue)",
                          std::nullopt});
      return;
    }
    queue.push_back({key_of(msg.ticket), msg.ticket, std::move(msg.tool),
                     std::move(arguments)});
    dispatch();
  }

  static bool is_free(const process_slot& slot) {
    return slot.state == process_slot::phase::ready && !slot.serving &&
           slot.held_by_ping == 0 && !slot.relist;
  }

  void on_abandon(const abandon_call& msg) {
    call_key key{msg.owner ? msg.owner.id() : 0, msg.call, msg.attempt};
    auto queued = std::find_if(queue.begin(), queue.end(),
                               [&](const auto& x) { return x.key == key; });
    if (queued != queue.end()) {
      queue.erase(queued);
      return;
    }
    for (auto& [child, slot] : slots) {
      if (!slot.serving || !(slot.serving->key == key))
        continue;
      // The call goes on in the server unless it honours the cancel; the
      // process serves again once it proves it still reads (a ping).
      slot.serving.reset();
      slot.abandoned.insert(slot.serving_id);
      slot.pending.erase(slot.serving_id);
      cfg.host->write(child,
                      notification_text("notifications/cancelled",
                                        cancelled_params(slot.serving_id,
                                                         "the caller stopped "
                                                         "waiting")));
      slot.held_by_ping = send(child, slot, asked::ping, "ping", nullptr);
      self->delayed_send(self, milliseconds{cfg.settings.ping_timeout_ms},
                         ping_due{child, slot.held_by_ping});
      return;
    }
  }

  // -- what processes say ----------------------------------------------------

  void on_output(const child_output& msg) {
    auto i = slots.find(msg.child);
    if (i == slots.end() || i->second.state == process_slot::phase::stopping)
      return;
    auto child = msg.child;
    bool ok = i->second.reader.feed(msg.bytes, [&](std::string_view line) {
      auto j = slots.find(child);
      if (j != slots.end() && j->second.state != process_slot::phase::stopping)
        on_line(child, j->second, line);
    });
    if (!ok)
      stop_process(child, process::kill_reason::protocol,
                   "its process wrote a line longer than max_message_bytes (" +
                       std::to_string(cfg.settings.max_message_bytes) +
                       " bytes) on stdout",
                   true);
  }

  void on_line(std::uint64_t child, process_slot& slot, std::string_view line) {
    auto msg = parse_message(line);
    if (auto* bad = std::get_if<malformed>(&msg)) {
      // stdout carries the protocol only: a process that writes anything
      // else cannot be trusted to frame its answers.
      return stop_process(child, process::kill_reason::protocol,
                          "its process wrote something that is not JSON-RPC "
                          "on stdout (" +
                              bad->why + ")",
                          true);
    }
    if (auto* req = std::get_if<request>(&msg)) {
      if (req->method == "ping")
        cfg.host->write(child, result_text(req->id, json::object()));
      else
        cfg.host->write(child, error_text(req->id, method_not_found,
                                          "Warden offers no " + req->method));
      return;
    }
    if (auto* note_msg = std::get_if<notification>(&msg)) {
      if (note_msg->method == "notifications/tools/list_changed" &&
          slot.state == process_slot::phase::ready && !slot.relist) {
        slot.relist = true;
        slot.listing.clear();
        slot.listing_notes.clear();
        send(child, slot, asked::list, "tools/list",
             list_tools_params(std::nullopt));
      }
      return;
    }
    on_response(child, slot, std::get<response>(msg));
  }

  void on_response(std::uint64_t child, process_slot& slot, response& r) {
    auto id = numeric_id(r);
    if (!id)
      return note("ignored an answer with id " + r.id.dump() +
                  ", which Warden never sent");
    if (slot.abandoned.erase(*id) > 0)
      return; // the answer to an abandoned call: nobody waits for it
    auto i = slot.pending.find(*id);
    if (i == slot.pending.end())
      return note("ignored an answer with id " + std::to_string(*id) +
                  ", which is not pending");
    auto what = i->second;
    slot.pending.erase(i);
    switch (what) {
    case asked::initialize:
      return on_initialized(child, slot, r);
    case asked::list:
      return on_page(child, slot, r);
    case asked::call:
      return on_result(child, slot, r);
    case asked::ping:
      if (slot.held_by_ping == *id) {
        slot.held_by_ping = 0;
        become_free(child, slot);
      }
      return;
    }
  }

  void on_initialized(std::uint64_t child, process_slot& slot, response& r) {
    if (r.error)
      return stop_process(child, process::kill_reason::protocol,
                          "initialize failed: " + r.error->message, true);
    auto info = read_initialize(*r.result);
    if (!info)
      return stop_process(child, process::kill_reason::protocol,
                          "initialize: " + info.problem, true);
    cfg.host->write(child,
                    notification_text("notifications/initialized", nullptr));
    send(child, slot, asked::list, "tools/list",
         list_tools_params(std::nullopt));
  }

  void on_page(std::uint64_t child, process_slot& slot, response& r) {
    if (r.error)
      return stop_process(child, process::kill_reason::protocol,
                          "tools/list failed: " + r.error->message, true);
    auto page = read_tools_page(*r.result);
    if (!page)
      return stop_process(child, process::kill_reason::protocol,
                          "tools/list: " + page.problem, true);
    for (auto& tool : page.value->tools)
      slot.listing.push_back(std::move(tool));
    for (auto& [tool, why] : page.value->skipped)
      slot.listing_notes.push_back("tool `" + tool + "` left out: " + why);
    if (page.value->next_cursor)
      return (void)send(child, slot, asked::list, "tools/list",
                        list_tools_params(page.value->next_cursor));
    adopt_listing(slot);
    if (slot.state == process_slot::phase::starting) {
      slot.state = process_slot::phase::ready;
      failures = 0;
      backoff_until.reset();
    }
    slot.relist = false;
    become_free(child, slot);
  }

  /// Takes a complete tools/list as the server's tools (the first, or a
  /// newer one after list_changed or a restart).
  void adopt_listing(process_slot& slot) {
    std::vector<std::string> names;
    for (const auto& tool : slot.listing)
      names.push_back(tool.name);
    auto named = name_tools(cfg.name, names);
    std::map<std::string, std::string> function_of;
    for (auto& [function, tool] : named.names)
      function_of[tool] = function;
    std::map<std::string, offered_tool> table;
    for (auto& tool : slot.listing) {
      auto f = function_of.find(tool.name);
      if (f == function_of.end())
        continue;
      table[tool.name] = {f->second, tool.name, tool.description,
                          tool.input_schema.dump(
                              -1, ' ', false, json::error_handler_t::replace)};
    }
    auto notes = std::move(slot.listing_notes);
    for (auto& [tool, clash] : named.clashes)
      notes.push_back("tool `" + tool + "` left out: its name `" + clash +
                      "` is taken by another of the server's tools");
    slot.listing.clear();
    slot.listing_notes.clear();
    if (tools) {
      for (const auto& [tool, offered] : table)
        if (tools->count(tool) == 0)
          note("now offers tool `" + tool +
               "`; agents see it after the node restarts");
      for (const auto& [tool, offered] : *tools)
        if (table.count(tool) == 0)
          note("no longer offers tool `" + tool + "`; its calls fail");
    }
    tools = std::move(table);
    offer_notes = notes;
    for (const auto& text : notes)
      note(text);
    deliver_offer();
  }

  /// Answers whoever asked for the tools.
  void deliver_offer() {
    if (discovering.empty())
      return;
    server_offer offer;
    for (const auto& entry : *tools)
      offer.tools.push_back(entry.second);
    offer.notes = offer_notes;
    for (auto& promise : discovering)
      promise.deliver(offer);
    discovering.clear();
  }

  void on_result(std::uint64_t child, process_slot& slot, response& r) {
    if (!slot.serving)
      return;
    auto call = std::move(*slot.serving);
    slot.serving.reset();
    if (r.error) {
      report_failure(call.ticket,
                     attempt_failure{error_class::permanent,
                                     "MCP server " + cfg.name + " refused `" +
                                         call.tool + "`: " + r.error->message +
                                         " (JSON-RPC error " +
                                         std::to_string(r.error->code) + ")",
                                     std::nullopt});
    } else if (auto result = read_call_result(*r.result); !result) {
      report_failure(call.ticket,
                     attempt_failure{error_class::permanent,
                                     "MCP server " + cfg.name + ", tool `" +
                                         call.tool + "`: " + result.problem,
                                     std::nullopt});
    } else if (result.value->is_error) {
      // The tool ran and said no: the agent reads why.
      report_failure(call.ticket, attempt_failure{error_class::permanent,
                                                  "tool `" + call.tool +
                                                      "` reported an error: " +
                                                      result.value->text,
                                                  std::nullopt});
    } else {
      auto output = result.value->text;
      if (output.empty() && result.value->structured)
        output = result.value->structured->dump(-1, ' ', false,
                                                json::error_handler_t::replace);
      report_success(call.ticket, tool_reply{std::move(output), 0});
    }
    become_free(child, slot);
  }

  void become_free(std::uint64_t child, process_slot& slot) {
    slot.last_used = now();
    if (cfg.settings.idle_ttl_ms > 0 && !slot.idle_armed) {
      slot.idle_armed = true;
      self->delayed_send(self, milliseconds{cfg.settings.idle_ttl_ms},
                         idle_due{child});
    }
    dispatch();
  }

  void on_ended(const child_ended& msg) {
    auto i = slots.find(msg.child);
    if (i == slots.end())
      return;
    if (i->second.state != process_slot::phase::stopping)
      lose(i->second, "its process " + msg.how, true);
    slots.erase(i);
    fail_queue_if_stranded();
    dispatch();
  }

  // -- timers ----------------------------------------------------------------

  void on_startup_due(const startup_due& msg) {
    auto i = slots.find(msg.child);
    if (i == slots.end() || i->second.state != process_slot::phase::starting)
      return;
    stop_process(msg.child, process::kill_reason::unresponsive,
                 "its process did not finish initialize and tools/list "
                 "within startup_timeout_ms (" +
                     std::to_string(cfg.settings.startup_timeout_ms) + " ms)",
                 true);
  }

  void on_ping_due(const ping_due& msg) {
    auto i = slots.find(msg.child);
    if (i == slots.end() || i->second.held_by_ping != msg.id)
      return;
    stop_process(msg.child, process::kill_reason::unresponsive,
                 "its process did not answer a ping within ping_timeout_ms (" +
                     std::to_string(cfg.settings.ping_timeout_ms) +
                     " ms) after a call was abandoned",
                 true);
  }

  void on_idle_due(const idle_due& msg) {
    auto i = slots.find(msg.child);
    if (i == slots.end())
      return;
    auto& slot = i->second;
    slot.idle_armed = false;
    auto ttl = milliseconds{cfg.settings.idle_ttl_ms};
    if (is_free(slot) && now() - slot.last_used >= ttl)
      return stop_process(msg.child, process::kill_reason::idle, "idle", false);
    // Used since, or busy now: check again when it may have idled long
    // enough (a busy one is checked again when it becomes free).
    if (!is_free(slot))
      return;
    slot.idle_armed = true;
    self->delayed_send(self, slot.last_used + ttl - now(), idle_due{msg.child});
  }

  void on_restart_due(const restart_due& msg) {
    if (msg.generation != restart_generation)
      return;
    backoff_until.reset();
    // Keep one process warm, as before the failure.
    if (live() == 0 && (tools || !discovering.empty() || !queue.empty()))
      start_process();
    dispatch();
  }

  server_view view() const {
    server_view out;
    out.name = cfg.name;
    for (const auto& [child, slot] : slots) {
      process_view p;
      p.child = child;
      p.calls = slot.calls;
      p.state = slot.state == process_slot::phase::starting   ? "starting"
                : slot.state == process_slot::phase::stopping ? "stopping"
                : slot.serving || slot.held_by_ping != 0      ? "busy"
                                                              : "ready";
      out.processes.push_back(std::move(p));
    }
    out.queued = queue.size();
    out.tools = tools ? tools->size() : 0;
    out.restarts = restarts;
    out.failures = failures;
    out.last_failure = last_failure;
    out.stderr_tail = errors.text();
    return out;
  }
};

caf::behavior mcp_server(caf::stateful_actor<server_state>* self,
                         server_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.errors = process::output_tail{cfg.settings.stderr_bytes};
  st.cfg = std::move(cfg);
  return {
      [self](call_tool& msg) { self->state.on_call(msg); },
      [self](const abandon_call& msg) { self->state.on_abandon(msg); },
      [self](const child_output& msg) { self->state.on_output(msg); },
      [self](const child_errors& msg) { self->state.errors.append(msg.bytes); },
      [self](const child_ended& msg) { self->state.on_ended(msg); },
      [self](const startup_due& msg) { self->state.on_startup_due(msg); },
      [self](const ping_due& msg) { self->state.on_ping_due(msg); },
      [self](const idle_due& msg) { self->state.on_idle_due(msg); },
      [self](const restart_due& msg) { self->state.on_restart_due(msg); },
      [self](discover_atom) {
        auto& s = self->state;
        auto promise = self->make_response_promise();
        s.discovering.push_back(promise);
        if (s.tools)
          s.deliver_offer();
        else if (s.live() == 0 && !s.in_backoff())
          s.start_process();
        return promise;
      },
      [self](status_atom) { return self->state.view(); },
  };
}

} // namespace

caf::actor spawn_mcp_server(caf::actor_system& sys, server_config cfg) {
  return sys.spawn(mcp_server, std::move(cfg));
}

} // namespace warden::mcp
