#include "apps/wardend/api_endpoint.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "apps/wardend/metrics_endpoint.hpp"
#include "net/http_server.hpp"

#include "api/routes.hpp"

namespace warden::apps {

namespace {

constexpr const char* listener_name = "api";

net::server_options options_of(const config::api_settings& settings) {
  using std::chrono::milliseconds;
  net::server_options options;
  options.host = settings.listen.host;
  options.port = settings.listen.port;
  options.tls.cert_file = settings.tls_cert;
  options.tls.key_file = settings.tls_key;
  options.threads = settings.threads;
  options.max_connections = settings.max_connections;
  options.header_timeout = milliseconds{settings.header_timeout_ms};
  options.body_timeout = milliseconds{settings.body_timeout_ms};
  options.idle_timeout = milliseconds{settings.idle_timeout_ms};
  options.write_timeout = milliseconds{settings.write_timeout_ms};
  options.max_header_bytes = settings.max_header_bytes;
  options.max_body_bytes = settings.max_body_bytes;
  return options;
}

} // namespace

/// The API's metric families, fetched once from the registry.
struct api_endpoint::instruments {
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* duration = nullptr;
  prometheus::Family<prometheus::Counter>* auth_failures = nullptr;
  prometheus::Gauge* keys = nullptr;

  explicit instruments(prometheus::Registry& registry) {
    requests = &prometheus::BuildCounter()
                    .Name("warden_api_requests_total")
                    .Help("HTTP API requests answered, by route pattern "
                          "(\"unmatched\" when none took the request), "
                          "method and status")
                    .Register(registry);
    duration = &prometheus::BuildHistogram()
                    .Name("warden_api_request_duration_seconds")
                    .Help("HTTP API requests from their header to their "
                          "answer, by route pattern and method (long polls "
                          "included)")
                    .Register(registry);
    auth_failures =
        &prometheus::BuildCounter()
             .Name("warden_api_auth_failures_total")
             .Help("HTTP API requests refused for their credentials: no "
                   "Authorization header (missing), not a bearer token "
                   "(malformed), a key not configured (unknown), no keys "
                   "configured (no_keys), an admin key on a tenant's "
                   "resource (admin_key)")
             .Register(registry);
    keys = &prometheus::BuildGauge()
                .Name("warden_api_keys")
                .Help("API keys in force ([api.keys], reloaded on SIGHUP)")
                .Register(registry)
                .Add({});
  }

  void observe(const net::answered& seen) {
    std::string route =
        seen.route.empty() ? std::string{"unmatched"} : std::string{seen.route};
    auto verb = boost::beast::http::to_string(seen.verb);
    std::string method{verb.data(), verb.size()};
    requests
        ->Add({{"route", route},
               {"method", method},
               {"status", std::to_string(seen.status)}})
        .Increment();
    static const prometheus::Histogram::BucketBoundaries buckets{
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5,   1,      2.5,   5,    10,    30,   60};
    duration->Add({{"route", route}, {"method", method}}, buckets)
        .Observe(std::chrono::duration<double>(seen.elapsed).count());
  }
};

api::key_table key_table_of(const config::api_settings& settings) {
  std::vector<api::key_entry> entries;
  for (const auto& [id, key] : settings.keys) {
    auto digest = api::parse_digest(key.sha256);
    if (!digest)
      continue; // validate() refuses such a file
    api::key_entry entry;
    entry.id = id;
    entry.tenant = key.admin ? std::string{} : key.tenant;
    entry.admin = key.admin;
    entry.sha256 = *digest;
    entries.push_back(std::move(entry));
  }
  return api::key_table{std::move(entries)};
}

api_endpoint::~api_endpoint() {
  stop();
}

std::unique_ptr<api_endpoint>
api_endpoint::start(const config::settings& config, caf::actor_system& system,
                    caf::actor node,
                    std::map<std::string, caf::actor> mcp_servers,
                    metrics_endpoint& metrics, std::string& error) {
  const auto& settings = config.api;
  std::unique_ptr<api_endpoint> result{new api_endpoint};
  result->metrics_ = &metrics;
  result->instruments_ = std::make_shared<instruments>(metrics.registry());
  result->reload_keys(settings);
  auto ctx = std::make_shared<api::api_context>();
  ctx->system = &system;
  ctx->node = std::move(node);
  ctx->mcp_servers = std::move(mcp_servers);
  auto* self = result.get();
  ctx->keys = [self] { return self->keys(); };
  ctx->node_timeout = std::chrono::milliseconds{settings.node_timeout_ms};
  ctx->max_wait = std::chrono::milliseconds{settings.max_wait_ms};
  ctx->completion_timeout =
      std::chrono::milliseconds{settings.completion_timeout_ms};
  ctx->drain_timeout = std::chrono::milliseconds{config.node.drain_timeout_ms};
  for (const auto& agent : config.agents)
    ctx->agents.push_back(agent.first);
  ctx->on_auth_failure = [gauges = result->instruments_](const char* reason) {
    gauges->auth_failures->Add({{"reason", reason}}).Increment();
  };
  net::router routes;
  if (!api::add_routes(routes, std::move(ctx))) {
    error = "cannot route the HTTP API";
    return nullptr;
  }
  auto options = options_of(settings);
  options.on_answer = [gauges = result->instruments_](
                          const net::answered& seen) { gauges->observe(seen); };
  std::string failure;
  result->server_ =
      net::http_server::start(std::move(options), std::move(routes), failure);
  if (!result->server_) {
    error = "cannot serve the HTTP API: " + failure;
    return nullptr;
  }
  metrics.add_listener(listener_name, [server = result->server_.get()] {
    return server->stats();
  });
  return result;
}

std::uint16_t api_endpoint::port() const {
  return server_->port();
}

bool api_endpoint::secure() const {
  return server_->secure();
}

bool api_endpoint::reload_tls(std::string& error) {
  return server_->reload_tls(error);
}

void api_endpoint::reload_keys(const config::api_settings& settings) {
  auto table = std::make_shared<const api::key_table>(key_table_of(settings));
  auto count = table->size();
  {
    std::lock_guard<std::mutex> guard{keys_mutex_};
    keys_ = std::move(table);
  }
  instruments_->keys->Set(static_cast<double>(count));
}

std::size_t api_endpoint::key_count() const {
  return keys()->size();
}

std::shared_ptr<const api::key_table> api_endpoint::keys() const {
  std::lock_guard<std::mutex> guard{keys_mutex_};
  return keys_;
}

void api_endpoint::stop() {
  if (!server_)
    return;
  metrics_->remove_listener(listener_name);
  server_->stop();
  server_.reset();
}

} // namespace warden::apps
