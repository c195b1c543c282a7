#include "apps/wardenctl/output.hpp"

#include <iostream>

#include "apps/exit_codes.hpp"

namespace warden::apps {

namespace {

using json = nlohmann::json;

json to_json(const usage_totals& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"cost_micros", u.cost_micros},
          {"model_calls", u.model_calls},
          {"tool_calls", u.tool_calls},
          {"retries", u.retries},
          {"iterations", u.iterations}};
}

json to_json(const run_status& s) {
  return {
      {"run", s.run},       {"session", s.session},        {"tenant", s.tenant},
      {"agent", s.agent},   {"state", to_string(s.state)}, {"output", s.output},
      {"reason", s.reason}, {"usage", to_json(s.usage)},   {"model", s.model}};
}

void print_status(const run_status& s) {
  std::cout << "run " << s.run << ": " << to_string(s.state) << " (tenant "
            << s.tenant << ", agent " << s.agent << ", session " << s.session
            << ")\n";
  if (!s.reason.empty())
    std::cout << "reason: " << s.reason << '\n';
  if (!s.output.empty())
    std::cout << "output: " << s.output << '\n';
  if (!s.model.empty())
    std::cout << "model: " << s.model << '\n';
  const auto& u = s.usage;
  std::cout << "usage: " << u.tokens() << " tokens (" << u.prompt_tokens
            << " prompt, " << u.completion_tokens << " completion), "
            << u.model_calls << " model calls, " << u.tool_calls
            << " tool calls, " << u.retries << " retries\n";
}

} // namespace

std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

int show_status(const ctl_command& cmd, const run_status& s) {
  if (cmd.json)
    std::cout << dump(to_json(s)) << '\n';
  else if (cmd.verb == "wait" && s.state == run_state::succeeded)
    std::cout << s.output << '\n';
  else
    print_status(s);
  if (cmd.verb == "wait" && s.state != run_state::succeeded) {
    if (!cmd.json)
      std::cerr << "wardenctl: run " << s.run << " ended " << to_string(s.state)
                << ": " << s.reason << '\n';
    return exit_run_unsuccessful;
  }
  return exit_ok;
}

void show_ack(const ctl_command& cmd, const run_ack& ack) {
  if (cmd.json)
    std::cout << json{{"run", ack.run},
                      {"session", ack.session},
                      {"duplicate", ack.duplicate}}
                     .dump()
              << '\n';
  else
    std::cout << ack.run << '\n';
}

void show_sessions(const ctl_command& cmd,
                   const std::vector<session_info>& sessions) {
  if (cmd.json) {
    auto rows = json::array();
    for (const auto& s : sessions)
      rows.push_back({{"session", s.session},
                      {"agent", s.agent},
                      {"last_run", s.last_run},
                      {"last_state", to_string(s.last_state)},
                      {"resident", s.resident}});
    std::cout << dump(rows) << '\n';
    return;
  }
  for (const auto& s : sessions)
    std::cout << "session " << s.session << "  agent " << s.agent
              << "  last run " << s.last_run << " " << to_string(s.last_state)
              << (s.resident ? "" : "  (passivated)") << '\n';
}

void show_cluster(const ctl_command& cmd, const nlohmann::json& doc) {
  if (cmd.json) {
    std::cout << dump(doc) << '\n';
    return;
  }
  auto self = doc.value("self", std::string{});
  const auto& members = doc.value("members", json::array());
  if (self.empty()) {
    std::cout << "a single node: [cluster] nodes is empty\n";
    return;
  }
  std::cout << "cluster of " << members.size() << ", seen from " << self
            << '\n';
  for (const auto& m : members) {
    std::cout << m.value("name", std::string{}) << "  "
              << m.value("address", std::string{}) << "  "
              << m.value("state", std::string{})
              << (m.value("leaving", false) ? " (leaving)" : "") << "  "
              << m.value("slots", 0) << " slots";
    if (auto held = m.value("holding_slots", 0); held > 0)
      std::cout << "  holds sessions of " << held << " other slots";
    if (m.contains("resident_sessions") && !m["resident_sessions"].is_null())
      std::cout << "  " << m["resident_sessions"].get<std::uint64_t>()
                << " resident sessions  " << m["open_runs"].get<std::uint64_t>()
                << " open runs";
    if (m.contains("leases") && m["leases"].is_object()) {
      const auto& leases = m["leases"];
      std::cout << "  leases: home of " << leases.value("homes", 0) << " caps, "
                << leases.value("leased_out", 0) << " runs leased out, "
                << leases.value("held", 0) << " held";
    }
    std::cout << '\n';
  }
}

int show_member_drain(const ctl_command& cmd, const member_drain_report& r) {
  if (cmd.json)
    std::cout << dump(json{{"member", r.name},
                           {"moved", r.moved},
                           {"remaining", r.remaining}})
              << '\n';
  else
    std::cout << "member " << r.name << " drained: " << r.moved
              << " sessions moved, " << r.remaining << " still there\n";
  return r.remaining > 0 ? exit_failure : exit_ok;
}

void show_pause(const ctl_command& cmd, const tenant_pause_state& s) {
  if (cmd.json) {
    std::cout << dump(json{{"tenant", s.tenant},
                           {"paused", s.paused},
                           {"queued", s.queued}})
              << '\n';
    return;
  }
  std::cout << "tenant " << s.tenant << (s.paused ? " paused" : " resumed")
            << ": " << s.queued << (s.queued == 1 ? " run waits" : " runs wait")
            << " in the queue\n";
}

void show_mcp_servers(const ctl_command& cmd, const nlohmann::json& doc) {
  if (cmd.json) {
    std::cout << dump(doc) << '\n';
    return;
  }
  const auto& servers = doc.value("servers", json::array());
  if (servers.empty())
    std::cout << "no MCP servers\n";
  for (const auto& s : servers) {
    auto name = s.value("name", std::string{});
    if (s.contains("error")) {
      std::cout << "mcp server " << name << ": "
                << s.value("error", std::string{}) << '\n';
      continue;
    }
    std::cout << "mcp server " << name << ": " << s.value("tools", 0)
              << " tools, " << s.value("queued", 0) << " calls queued, "
              << s.value("restarts", 0) << " restarts\n";
    for (const auto& p : s.value("processes", json::array()))
      std::cout << "  process " << p.value("id", 0) << " "
                << p.value("state", std::string{}) << ", "
                << p.value("calls", 0) << " calls\n";
    auto failure = s.value("last_failure", std::string{});
    if (!failure.empty())
      std::cout << "  last failure (" << s.value("failures", 0)
                << " in a row now): " << failure << '\n';
    auto errors = s.value("stderr", std::string{});
    if (errors.empty())
      continue;
    std::cout << "  stderr, newest bytes:\n";
    std::size_t begin = 0;
    while (begin < errors.size()) {
      auto end = errors.find('\n', begin);
      if (end == std::string::npos)
        end = errors.size();
      std::cout << "    " << errors.substr(begin, end - begin) << '\n';
      begin = end + 1;
    }
  }
}

int show_refusal(const ctl_command& cmd, const std::string& code,
                 const std::string& reason) {
  if (cmd.json)
    std::cout << dump(json{{"error", code}, {"reason", reason}}) << '\n';
  else
    std::cerr << "wardenctl: " << code << ": " << reason << '\n';
  return code == "not_found" ? exit_not_found : exit_failure;
}

} // namespace warden::apps
