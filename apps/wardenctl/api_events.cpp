// wardenctl events RUN (--api): follows a run's Server-Sent Events and
// prints each as it comes; a stream that breaks before the final event is
// opened again with the last event's id (Last-Event-ID), so nothing is
// printed twice or missed.

#include <iostream>
#include <thread>
#include <vector>

#include "apps/exit_codes.hpp"
#include "apps/wardenctl/api_session.hpp"
#include "net/sse.hpp"

namespace warden::apps::over_api {

namespace {

/// One attempt at the stream, as the client's I/O thread saw it.
struct attempt {
  unsigned status = 0;
  /// The body of an answer that is not a stream (an error).
  std::string body;
  net::sse_parser parser;
  std::vector<net::sse_event> events;
  /// The id of the last event printed.
  std::string last_id;
  /// The run's state in its final event, once it came.
  std::optional<run_state> final_state;
  std::optional<net::client_failure> failure;
  bool unreadable = false;
};

/// " step 2 call 1: lookup", as a step event names its call.
std::string call_text(const json& step, bool with_call) {
  std::string text = " step " + std::to_string(step.value("index", 0));
  if (with_call)
    text += " call " + std::to_string(step.value("call", 0));
  return text + ": " + step.value("name", std::string{});
}

/// The line `event` prints as: its id, kind, and what it says.
std::string event_line(const net::sse_event& event, const json& data) {
  auto line = event.id + " " + event.type;
  auto kind = event.type;
  if (auto step = data.find("step"); step != data.end() && step->is_object()) {
    bool model = kind == "model_started" || kind == "model_finished";
    line += call_text(*step, !model);
    if (kind == "child_finished" && step->value("child_run_id", 0) != 0)
      line += ", run " + std::to_string(step->value("child_run_id", 0));
    if (kind == "model_finished" && !step->value("error", false))
      line += ", " + std::to_string(step->value("prompt_tokens", 0)) +
              " prompt + " +
              std::to_string(step->value("completion_tokens", 0)) +
              " completion tokens";
    auto detail = step->value("detail", std::string{});
    if (step->value("error", false))
      line += " failed: " + detail;
    else if (!detail.empty())
      line += " (" + detail + ")";
    return line;
  }
  line += " " + data.value("status", std::string{});
  auto detail = data.value("detail", std::string{});
  if (!detail.empty())
    line += ": " + detail;
  return line;
}

/// Prints the events `a` completed (JSON lines with --json).
void print_events(const ctl_command& cmd, attempt& a) {
  for (const auto& event : a.events) {
    auto data = json::parse(event.data, nullptr, false);
    if (data.is_discarded() || !data.is_object()) {
      a.unreadable = true;
      return;
    }
    if (cmd.json)
      std::cout << event.data << std::endl;
    else
      std::cout << event_line(event, data) << std::endl;
    a.last_id = event.id;
    if (event.type == "final")
      a.final_state = state_named(data.value("status", std::string{}));
  }
  a.events.clear();
}

/// Opens the stream after `last_id` and reads it until it ends.
attempt read_stream(api_session& api, const std::string& last_id) {
  const auto& cmd = *api.cmd;
  auto req =
      api.request(net::method::get, path_of("/v1/runs/", cmd.run, "/events"),
                  "text/event-stream");
  if (!last_id.empty())
    req.headers.emplace_back("Last-Event-ID", last_id);
  // A stream lasts as long as its run: bounded by --timeout only.
  if (api.deadline)
    req.timeout = api.left(milliseconds{1});
  attempt a;
  a.last_id = last_id;
  a.failure = api.exchange_pieces(
      std::move(req),
      [&a](const net::response_head& head) { a.status = head.status; },
      [&a, &cmd](std::string_view piece) {
        if (a.status != 200) {
          a.body.append(piece);
          return;
        }
        if (!a.parser.feed(piece, a.events)) {
          a.unreadable = true;
          return;
        }
        print_events(cmd, a);
      });
  return a;
}

} // namespace

int follow_events(api_session& api) {
  const auto& cmd = *api.cmd;
  if (cmd.timeout)
    api.deadline = clock_type::now() + *cmd.timeout;
  std::string last_id;
  auto backoff = milliseconds{200};
  // A node that stays away this long after the stream broke ends it.
  auto give_up = clock_type::now() + retry_without_deadline;
  for (;;) {
    auto a = read_stream(api, last_id);
    if (a.final_state)
      return *a.final_state == run_state::succeeded ? exit_ok
                                                    : exit_run_unsuccessful;
    if (a.unreadable) {
      std::cerr << "wardenctl: the event stream of run " << cmd.run
                << " is not readable\n";
      return exit_failure;
    }
    if (!a.failure && a.status == 204)
      return exit_ok; // every event was printed before
    if (!a.failure && a.status != 200) {
      int rc = exit_failure;
      exchange answer{std::nullopt, a.status, std::move(a.body)};
      (void)answer_or_report(cmd, answer, rc);
      return rc;
    }
    // The stream broke, or ended without its final event (the server
    // stopped): open it again after the last event printed.
    if (a.last_id != last_id) {
      last_id = a.last_id;
      backoff = milliseconds{200};
      give_up = clock_type::now() + retry_without_deadline;
    }
    auto kind = a.failure ? a.failure->kind : net::failure_kind::reset;
    bool again =
        kind == net::failure_kind::connect || kind == net::failure_kind::reset;
    auto stop = api.deadline.value_or(give_up);
    if (!again || clock_type::now() + backoff >= stop) {
      if (a.failure)
        return report_failure(cmd, *a.failure);
      std::cerr << "wardenctl: the event stream of run " << cmd.run
                << " ended before its final event\n";
      return exit_failure;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, milliseconds{2'000});
  }
}

} // namespace warden::apps::over_api
