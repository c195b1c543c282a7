#pragma once

// The model backend of an OpenAI-compatible endpoint: each attempt is one
// `POST {endpoint}/chat/completions` on the provider's HTTP client (its own
// Asio threads, a bounded keep-alive pool, TLS verified), its answer read
// whole or streamed, and its outcome reported to the provider actor as a
// reply or a classified failure. Nothing here blocks or runs on a CAF
// scheduler thread except `start` and `abandon`, which only hand work over.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "actors/common/delta_board.hpp"
#include "actors/dependencies/backend.hpp"
#include "actors/dependencies/detail/http_attempts.hpp"
#include "actors/dependencies/openai/model_metrics.hpp"
#include "actors/dependencies/openai/request.hpp"
#include "config/dependencies.hpp"
#include "net/http_client.hpp"

namespace warden::openai {

/// What a model costs, in millionths of the currency per million tokens.
struct model_price {
  std::uint64_t input_per_million = 0;
  std::uint64_t output_per_million = 0;
};

/// Everything an endpoint backend needs, resolved at start.
struct endpoint_options {
  /// The provider's name, for reasons ("provider 'openai': ...").
  std::string provider;
  /// Scheme, host and port of the endpoint.
  net::url origin;
  /// The request target: the endpoint's path + "/chat/completions".
  std::string target;
  /// Certificate checks.
  net::tls_settings tls;
  /// Headers of every request: the key's header (when a key is set) and
  /// the configured extra ones.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The API key, kept only to take it out of the endpoint's messages.
  std::string api_key;
  /// Prices by model name; a model not listed costs 0.
  std::map<std::string, model_price> prices;
  /// The tools agents may offer, with their schemas.
  tool_catalog tools;
  /// How requests are written (streamed by default).
  request_style style;
  /// Deadline of one exchange on the wire (the provider's timeout_ms; the
  /// provider actor's own timeout ends the attempt too).
  std::chrono::milliseconds timeout{60'000};
  /// Metric handles (members may be null).
  provider_model_metrics metrics;
  /// Where a streamed answer's content goes as it arrives, for the runs
  /// whose sessions listen; null: nowhere.
  std::shared_ptr<const delta_board> deltas;
};

/// The backend: thread-safe reporting, owner-context `start`/`abandon`.
class endpoint_model final : public model_backend {
 public:
  /// Sends through `client`, which must outlive every call started.
  endpoint_model(endpoint_options options,
                 std::shared_ptr<net::http_client> client);

  /// Sends one attempt; its outcome is reported from the client's thread.
  void start(const model_request& request,
             const attempt_ticket& ticket) override;

  /// Aborts the exchange of `ticket` (timeout, cancel): the connection is
  /// closed, never returned to the pool half-read.
  void abandon(const attempt_ticket& ticket) override;

 private:
  /// Read by the client's threads too: immutable.
  std::shared_ptr<const endpoint_options> options_;
  std::shared_ptr<net::http_client> client_;
  /// The exchanges that may be running; cancelled when the backend goes
  /// (the provider actor is gone: nobody waits for their answers).
  detail::http_attempts calls_;
};

/// The backend of provider `name` from its settings: the endpoint parsed,
/// the API key read from the environment variable `api_key_env` (an error
/// naming the variable, never a value, when it is unset or empty), the CA
/// file checked, prices and headers taken over; `tools` offered with their
/// schemas; its HTTP client started with `max_connections`; streamed
/// content reported to the listeners of `deltas` (may be null).
caf::expected<std::shared_ptr<model_backend>>
make_endpoint_model(const std::string& name,
                    const config::provider_settings& settings,
                    tool_catalog tools, provider_model_metrics metrics,
                    std::shared_ptr<const delta_board> deltas = nullptr);

} // namespace warden::openai
