#include "actors/dependencies/openai/model_metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "actors/common/detail/metric_handles.hpp"

namespace warden::openai {

namespace {

model_metrics handles(prometheus::Registry& registry,
                      const prometheus::Labels& labels) {
  auto counter = [&](const char* metric, const char* help) {
    return warden::detail::counter_handle(registry, metric, help, labels);
  };
  auto histogram = [&](const char* metric, const char* help) {
    return &prometheus::BuildHistogram()
                .Name(metric)
                .Help(help)
                .Register(registry)
                .Add(labels,
                     prometheus::Histogram::BucketBoundaries{
                         0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120});
  };
  model_metrics m;
  m.first_token_seconds =
      histogram("warden_model_first_token_seconds",
                "Time from request to the first token (to the whole answer "
                "for calls not streamed)");
  m.call_seconds = histogram("warden_model_call_seconds",
                             "Time from request to the whole answer");
  m.prompt_tokens = counter("warden_model_prompt_tokens_total",
                            "Prompt tokens of answered calls");
  m.completion_tokens = counter("warden_model_completion_tokens_total",
                                "Completion tokens of answered calls");
  m.cost_micros = counter("warden_model_cost_micros_total",
                          "Cost of answered calls, in millionths of the "
                          "currency");
  m.estimated_usage =
      counter("warden_model_estimated_usage_total",
              "Answers without usage from the endpoint, their tokens "
              "estimated from the text");
  m.breaker_state = &prometheus::BuildGauge()
                         .Name("warden_model_breaker_state")
                         .Help("Circuit breaker of one model of a provider: "
                               "0 closed, 1 open, 2 half-open")
                         .Register(registry)
                         .Add(labels);
  return m;
}

} // namespace

provider_model_metrics
make_provider_model_metrics(prometheus::Registry& registry,
                            const std::string& provider,
                            const std::vector<std::string>& models) {
  provider_model_metrics result;
  for (const auto& model : models)
    result.models.emplace(
        model, handles(registry, {{"provider", provider}, {"model", model}}));
  result.other =
      handles(registry, {{"provider", provider}, {"model", "other"}});
  return result;
}

} // namespace warden::openai
