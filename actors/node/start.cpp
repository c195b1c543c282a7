#include "actors/node/start.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

#include <caf/all.hpp>
#include <prometheus/registry.h>
// Header-only: the hash functions inline, nothing to link.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "actors/admission/admission.hpp"
#include "actors/admission/agent_pool.hpp"
#include "actors/admission/governor.hpp"
#include "actors/dependencies/http_tool.hpp"
#include "actors/dependencies/metrics.hpp"
#include "actors/dependencies/provider.hpp"
#include "actors/dependencies/tool_runner.hpp"
#include "actors/dependencies/tool_schemas.hpp"
#include "actors/journal/journal.hpp"
#include "actors/node/mcp_tools.hpp"
#include "actors/node/node.hpp"
#include "actors/protocol/error.hpp"
#include "actors/session/metrics.hpp"
#include "actors/session/session.hpp"
#include "policies/daily_budget.hpp"
#include "storage/rocks_store.hpp"

namespace warden {

namespace {

/// The models agents call on provider `provider` (their own and their
/// fallbacks), each once: the label values of its model metrics.
std::vector<std::string> models_of(const config::settings& settings,
                                   const std::string& provider) {
  std::vector<std::string> models;
  auto add = [&](const std::string& p, const std::string& model) {
    if (p == provider && !model.empty() &&
        std::find(models.begin(), models.end(), model) == models.end())
      models.push_back(model);
  };
  for (const auto& [name, agent] : settings.agents) {
    add(agent.provider, agent.model);
    for (const auto& fallback : agent.fallback_models)
      add(fallback.provider, fallback.model);
  }
  return models;
}

/// A per-name seed, so that jitter differs between dependencies but is the
/// same from one start to the next, and from one build to the next (XXH64
/// is specified; std::hash is not).
std::uint64_t seed_of(const std::string& name) {
  return XXH64(name.data(), name.size(), 0) | 1;
}

/// The governor's layers from [governor]: absent keys derive from
/// admission.global_cap (config::effective_governor).
governor_config governor_config_of(const config::settings& settings) {
  auto resolved =
      config::effective_governor(settings.governor, settings.admission);
  governor_config result;
  result.limits.max_global = resolved.global;
  result.limits.max_model_streams = resolved.model_streams;
  result.limits.max_tool_calls = resolved.tool_calls;
  result.max_waiting = resolved.waiting_calls;
  return result;
}

/// The node's journal and snapshot store: RocksDB in
/// `<node.data_dir>/db`, or memory.
caf::expected<storage::rocks_storage>
open_stores(const config::settings& settings, const node_storage& choice,
            std::shared_ptr<const policies::clock> time) {
  if (choice.in_memory)
    return storage::rocks_storage{
        std::make_shared<storage::memory_journal>(),
        std::make_shared<storage::memory_snapshot_store>()};
  storage::rocks_options opts;
  opts.path = (std::filesystem::path{settings.node.data_dir} / "db").string();
  opts.node_name = settings.node.name;
  if (settings.cluster.enabled())
    opts.member = static_cast<std::uint32_t>(
        settings.cluster.index_of(settings.node.name));
  opts.accept_data_loss = choice.accept_data_loss;
  opts.clock = std::move(time);
  auto opened = storage::open_rocks(opts);
  if (opened.error)
    return make_error(opened.error->kind == storage::failure_kind::damaged
                          ? error_code::data_loss
                          : error_code::dependency_failed,
                      "storage: " + opened.error->to_string());
  return std::move(opened.storage);
}

/// Reads what the node needs to resume: the id watermarks and the
/// unfinished runs.
caf::error load_recovery(const storage::journal& store,
                         node_components& parts) {
  auto marks = store.watermarks();
  if (!marks)
    return make_error(error_code::dependency_failed,
                      "storage: " + marks.error->to_string());
  parts.watermarks = marks.value;
  auto unfinished = store.unfinished_runs();
  if (!unfinished)
    return make_error(error_code::dependency_failed,
                      "storage: " + unfinished.error->to_string());
  parts.recovered = std::move(unfinished.value);
  return {};
}

/// Reads every tenant's tokens of today into `admission`, so that the daily
/// token budgets hold across a restart.
caf::error load_daily_tokens(const storage::journal& store,
                             admission_actor_config& admission) {
  auto today = policies::utc_day(admission.time->unix_ms());
  auto tokens = store.daily_tokens(today);
  if (!tokens)
    return make_error(error_code::dependency_failed,
                      "storage: " + tokens.error->to_string());
  admission.tokens_day = today;
  admission.daily_tokens = std::move(tokens.value);
  return {};
}

journal_options journal_options_of(const config::settings& settings,
                                   const node_storage& choice,
                                   prometheus::Registry* registry) {
  journal_options opts;
  if (registry)
    opts.metrics = journal_metrics::create(*registry);
  const auto& s = settings.storage;
  opts.max_batch_entries = static_cast<std::size_t>(s.max_batch_entries);
  using ms = std::chrono::milliseconds;
  opts.retention = ms{static_cast<ms::rep>(s.retention_ms)};
  opts.sweep_interval = ms{static_cast<ms::rep>(s.sweep_interval_ms)};
  if (choice.unsafe_ack_before_write)
    opts.unsafe_write_behind = std::chrono::milliseconds{200};
  return opts;
}

node_options options_of(const config::settings& settings) {
  node_options opts;
  opts.priorities.clear();
  for (const auto& p : settings.priorities)
    opts.priorities.push_back(p.name);
  if (opts.priorities.empty())
    opts.priorities = {"interactive", "batch"};
  opts.drain_timeout =
      std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(
          settings.node.drain_timeout_ms)};
  // 0 means "never on idle time alone" / "no limit".
  const auto& sessions = settings.sessions;
  opts.sessions.idle_ttl =
      sessions.idle_ttl_ms == 0
          ? policies::duration::max()
          : std::chrono::milliseconds{sessions.idle_ttl_ms};
  opts.sessions.max_resident =
      sessions.max_resident == 0
          ? std::numeric_limits<std::size_t>::max()
          : static_cast<std::size_t>(sessions.max_resident);
  opts.session_expiry = std::chrono::milliseconds{
      static_cast<std::chrono::milliseconds::rep>(sessions.expire_after_ms)};
  opts.sweep_interval =
      std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(
          settings.storage.sweep_interval_ms)};
  if (settings.cluster.enabled())
    opts.member = static_cast<std::uint32_t>(
        settings.cluster.index_of(settings.node.name));
  auto fallback = settings.default_priority();
  for (std::size_t i = 0; i < opts.priorities.size(); ++i)
    if (opts.priorities[i] == fallback)
      opts.default_priority = static_cast<std::uint8_t>(i);
  return opts;
}

} // namespace

caf::expected<node_handle> start_node(caf::actor_system& sys,
                                      const config::settings& settings,
                                      const tool_registry& tools,
                                      prometheus::Registry* registry,
                                      const node_storage& storage) {
  node_handle handle;
  auto fail = [&](caf::error err) {
    stop_node(handle);
    return err;
  };
  if (auto err = check_native_tools(tools, settings.tools))
    return fail(std::move(err));
  // One time source for the node and everything it starts.
  std::shared_ptr<const policies::clock> time =
      std::make_shared<actor_clock_source>(sys);
  auto stores = open_stores(settings, storage, time);
  if (!stores)
    return fail(std::move(stores.error()));
  node_components parts;
  parts.time = time;
  parts.store = stores->journal;
  handle.store = stores->journal;
  handle.snapshots = stores->snapshots;
  if (auto err = load_recovery(*stores->journal, parts))
    return fail(std::move(err));
  parts.snapshots = stores->snapshots;
  auto journal_opts = journal_options_of(settings, storage, registry);
  journal_opts.time = time;
  // Detached: a synced write blocks the journal's own thread, never a
  // scheduler thread.
  handle.components.push_back(
      storage.in_memory
          ? sys.spawn(journal_actor, stores->journal, std::move(journal_opts))
          : sys.spawn<caf::detached>(journal_actor, stores->journal,
                                     std::move(journal_opts)));
  auto journal = handle.components.back();
  admission_actor_config admission_cfg;
  admission_cfg.settings = settings;
  admission_cfg.time = time;
  admission_cfg.leases.ttl =
      std::chrono::milliseconds{settings.cluster.lease_ttl_ms};
  admission_cfg.leases.chunk = settings.cluster.lease_chunk;
  if (auto err = load_daily_tokens(*stores->journal, admission_cfg))
    return fail(std::move(err));
  for (const auto& run : parts.recovered)
    if (run.reserved_tokens != 0)
      admission_cfg.reservations.push_back(
          {run.run, run.tenant, run.reserved_tokens});
  if (registry)
    admission_cfg.metrics = make_admission_metrics(*registry, settings);
  // Providers' rates count their leases with tenants' caps (counters only).
  auto lease_counters = admission_cfg.metrics.leases;
  lease_counters.leased_out = nullptr;
  lease_counters.held = nullptr;
  auto admission = spawn_admission(sys, std::move(admission_cfg));
  if (!admission)
    return fail(std::move(admission.error()));
  handle.components.push_back(*admission);
  handle.admission = *admission;
  auto governor_cfg = governor_config_of(settings);
  if (registry)
    governor_cfg.metrics = make_governor_metrics(*registry);
  auto governor = spawn_governor(sys, std::move(governor_cfg));
  handle.components.push_back(governor);
  auto cancels = std::make_shared<cancel_board>();
  parts.cancels = cancels;
  auto deltas = std::make_shared<delta_board>();
  auto catalog = tool_catalog_of(settings.tools, tools);
  if (!catalog)
    return fail(std::move(catalog.error()));
  // One service (one I/O thread) for every child of the node: command
  // tools' and MCP servers'.
  auto processes = [&] {
    if (!handle.processes)
      handle.processes = std::make_shared<process::process_service>();
    return handle.processes;
  };
  auto mcp = start_mcp_servers(
      sys, settings, settings.mcp_servers.empty() ? nullptr : processes(),
      registry, handle.components);
  if (!mcp)
    return fail(std::move(mcp.error()));
  handle.mcp_servers = mcp->servers;
  for (const auto& [name, definition] : mcp->catalog)
    (*catalog)[name] = definition;
  // What a provider and a tool runner share: the node's time, their
  // metrics, and their rates' leases in a cluster.
  auto wire_dependency = [&](auto& cfg, const char* kind) {
    cfg.lease_ttl = std::chrono::milliseconds{settings.cluster.lease_ttl_ms};
    cfg.time = time;
    if (registry) {
      cfg.metrics = make_dependency_metrics(*registry, kind, cfg.name);
      cfg.lease_counters = lease_counters;
    }
  };
  std::map<std::string, caf::actor> providers;
  for (const auto& [name, provider_settings] : settings.providers) {
    model_backend_context context;
    if (registry)
      context.metrics = openai::make_provider_model_metrics(
          *registry, name, models_of(settings, name));
    if (provider_settings.kind == config::provider_kind::openai)
      context.tools = *catalog;
    context.deltas = deltas;
    auto model_metrics = context.metrics;
    auto backend = make_model_backend(name, provider_settings, context);
    if (!backend)
      return fail(make_error(error_code::invalid_argument,
                             "provider " + name + ": " +
                                 error_reason(backend.error())));
    provider_config cfg{name, provider_settings, *backend, governor,
                        {},   seed_of(name),     cancels};
    cfg.model_metrics = std::move(model_metrics);
    wire_dependency(cfg, "provider");
    providers[name] = spawn_provider(sys, std::move(cfg));
    handle.components.push_back(providers[name]);
  }
  std::map<std::string, caf::actor> runners;
  auto spawn_runner = [&](tool_runner_config cfg) {
    auto name = cfg.name;
    cfg.governor = governor;
    cfg.seed = seed_of(name);
    cfg.cancels = cancels;
    wire_dependency(cfg, "tool");
    runners[name] = spawn_tool_runner(sys, std::move(cfg));
    handle.components.push_back(runners[name]);
  };
  for (const auto& [name, tool_settings] : settings.tools) {
    if (tool_settings.kind == config::tool_kind::spawn_agent)
      continue; // routed by sessions to the node, not run by a runner
    tool_services services;
    if (tool_settings.kind == config::tool_kind::command) {
      services.processes = processes();
      if (registry)
        services.process_metrics =
            process::make_process_metrics(*registry, name);
    }
    if (tool_settings.kind == config::tool_kind::http) {
      // One client (one I/O thread, a pool per origin) for every http tool.
      if (!handle.http) {
        std::string problem;
        handle.http = start_tool_http_client(problem);
        if (!handle.http)
          return fail(make_error(error_code::invalid_argument,
                                 "tool " + name + ": " + problem));
      }
      services.http = handle.http;
    }
    auto cfg =
        make_tool_runner_config(sys, name, tool_settings, tools, {}, services);
    if (!cfg)
      return fail(std::move(cfg.error()));
    spawn_runner(std::move(*cfg));
  }
  for (const auto& [name, tool_settings] : mcp->settings) {
    tool_runner_config cfg;
    cfg.name = name;
    cfg.settings = tool_settings;
    cfg.backend = mcp->backends.at(name);
    spawn_runner(std::move(cfg));
  }
  parts.admission = *admission;
  parts.journal = journal;
  parts.providers = providers;
  parts.tool_runners = runners;
  handle.providers = providers;
  handle.tool_runners = runners;
  for (const auto& [name, agent] : settings.agents) {
    auto runtime = std::make_shared<agent_runtime>();
    runtime->name = name;
    runtime->settings = agent;
    auto agent_tools = expand_agent_tools(name, agent.tools, settings, *mcp);
    if (!agent_tools)
      return fail(std::move(agent_tools.error()));
    runtime->settings.tools = std::move(*agent_tools);
    runtime->provider = providers.at(agent.provider);
    for (const auto& fallback : agent.fallback_models)
      runtime->fallbacks.push_back(
          {providers.at(fallback.provider), fallback.provider, fallback.model});
    for (const auto& tool : runtime->settings.tools) {
      auto configured = settings.tools.find(tool);
      const auto& definition = configured != settings.tools.end()
                                   ? configured->second
                                   : mcp->settings.at(tool);
      runtime->tool_definitions[tool] = definition;
      if (definition.kind == config::tool_kind::spawn_agent)
        if (auto child = settings.agents.find(definition.agent);
            child != settings.agents.end())
          runtime->child_budgets[definition.agent] = child->second.run_budget;
      if (auto i = runners.find(tool); i != runners.end())
        runtime->tools[tool] = i->second;
    }
    runtime->governor = governor;
    runtime->journal = journal;
    runtime->admission = *admission;
    runtime->checkpoint = !storage.in_memory;
    runtime->deltas = deltas;
    if (registry)
      runtime->metrics = make_session_metrics(*registry, name);
    parts.agents[name] = std::move(runtime);
  }
  parts.spawn_session = [](caf::event_based_actor* node, session_id id,
                           const agent_runtime_ptr& agent) {
    return node->spawn<caf::lazy_init>(session_actor, id, agent);
  };
  parts.restore_session = [](caf::event_based_actor* node,
                             const agent_runtime_ptr& agent,
                             session_snapshot snapshot) {
    return node->spawn<caf::lazy_init>(restored_session_actor, agent,
                                       std::move(snapshot));
  };
  parts.spawn_pool = [registry](caf::event_based_actor* node,
                                const agent_runtime& agent) {
    agent_pool_config cfg;
    cfg.agent = agent.name;
    cfg.max_concurrency = agent.settings.max_concurrency;
    cfg.turn_timeout =
        std::chrono::milliseconds{agent.settings.turn_timeout_ms};
    cfg.owner = caf::actor_cast<caf::actor>(node);
    if (registry)
      cfg.metrics = make_agent_pool_metrics(*registry, agent.name);
    return spawn_agent_pool(node->system(), std::move(cfg));
  };
  if (registry)
    parts.metrics =
        std::make_shared<const node_metrics>(node_metrics::create(*registry));
  handle.node = sys.spawn(node_actor, std::move(parts), options_of(settings));
  handle.entry = handle.node;
  return handle;
}

void stop_node(node_handle& handle) {
  for (auto i = handle.cluster.rbegin(); i != handle.cluster.rend(); ++i)
    caf::anon_send_exit(*i, caf::exit_reason::user_shutdown);
  handle.cluster.clear();
  handle.entry = nullptr;
  if (handle.node)
    caf::anon_send_exit(handle.node, caf::exit_reason::user_shutdown);
  for (auto i = handle.components.rbegin(); i != handle.components.rend(); ++i)
    caf::anon_send_exit(*i, caf::exit_reason::user_shutdown);
  // After the runners were told to stop: what they still run is killed.
  if (handle.processes)
    handle.processes->stop();
  handle.processes = nullptr;
  if (handle.http)
    handle.http->stop();
  handle.http = nullptr;
  handle.node = nullptr;
  handle.components.clear();
  handle.store = nullptr;
  handle.snapshots = nullptr;
}

} // namespace warden
