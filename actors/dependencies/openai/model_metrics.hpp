#pragma once

// The metric handles of an OpenAI-compatible provider, per model: time to
// first token, call duration, tokens in and out, cost, and usage that had
// to be estimated because the endpoint sent none.

#include <map>
#include <string>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
} // namespace prometheus

namespace warden::openai {

/// Handles of one (provider, model). Null members are skipped.
struct model_metrics {
  /// Seconds from sending the request to the first content or tool-call
  /// fragment (streamed calls) or to the whole answer (plain calls).
  prometheus::Histogram* first_token_seconds = nullptr;
  /// Seconds from sending the request to the whole answer.
  prometheus::Histogram* call_seconds = nullptr;
  /// Prompt tokens of answered calls.
  prometheus::Counter* prompt_tokens = nullptr;
  /// Completion tokens of answered calls.
  prometheus::Counter* completion_tokens = nullptr;
  /// Cost of answered calls, in millionths of the currency.
  prometheus::Counter* cost_micros = nullptr;
  /// Answers without usage from the endpoint, whose tokens were estimated.
  prometheus::Counter* estimated_usage = nullptr;
  /// The model's circuit breaker: 0 closed, 1 open, 2 half-open.
  prometheus::Gauge* breaker_state = nullptr;
};

/// Handles of one provider: per model it may be asked for, plus "other" for
/// a model name not known at start (labels stay bounded).
struct provider_model_metrics {
  std::map<std::string, model_metrics> models;
  model_metrics other;

  /// The handles of `model` (those of "other" when not listed).
  [[nodiscard]] const model_metrics& of(const std::string& model) const {
    auto i = models.find(model);
    return i != models.end() ? i->second : other;
  }
};

/// Fetches the handles of provider `provider` for each of `models` from
/// `registry`: families warden_model_* labelled {provider, model}.
[[nodiscard]] provider_model_metrics
make_provider_model_metrics(prometheus::Registry& registry,
                            const std::string& provider,
                            const std::vector<std::string>& models);

} // namespace warden::openai
