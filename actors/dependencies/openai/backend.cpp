#include "actors/dependencies/openai/backend.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "actors/dependencies/openai/completion.hpp"
#include "actors/dependencies/openai/errors.hpp"
#include "actors/protocol/error.hpp"
#include "net/retry_after.hpp"
#include "net/sse.hpp"
#include "policies/clock.hpp"

namespace warden::openai {

namespace {

using steady = std::chrono::steady_clock;

/// Tokens in `chars` characters of text, estimated as the scripted model
/// does (4 characters a token, rounded up).
std::uint64_t estimate_tokens(std::uint64_t chars) {
  return (chars + 3) / 4;
}

std::uint64_t prompt_chars(const model_request& request) {
  std::uint64_t chars = 0;
  for (const auto& message : request.messages) {
    chars += message.content.size();
    for (const auto& call : message.tool_calls)
      chars += call.tool.size() + call.arguments.size();
  }
  return chars;
}

/// Price of `tokens` at `per_million`, rounded up: a call is never free by
/// rounding.
std::uint64_t price(std::uint64_t tokens, std::uint64_t per_million) {
  // Whole millions and the rest apart: prices up to 10^12 and any token
  // count stay inside 64 bits (config caps prices at 10^12).
  constexpr std::uint64_t million = 1'000'000;
  auto rest = tokens % million * per_million;
  return tokens / million * per_million + (rest + million - 1) / million;
}

void observe(prometheus::Histogram* histogram, steady::duration d) {
  if (histogram != nullptr)
    histogram->Observe(std::chrono::duration<double>(d).count());
}

void add(prometheus::Counter* counter, std::uint64_t n) {
  if (counter != nullptr && n != 0)
    counter->Increment(static_cast<double>(n));
}

policies::error_class class_of(net::failure_kind kind) {
  // The same request would get the same too-large answer; DNS, connect,
  // TLS, reset, timeout, a garbled answer or a full client may all go
  // through on another attempt, later.
  return kind == net::failure_kind::too_large
             ? policies::error_class::permanent
             : policies::error_class::transient;
}

/// One exchange: what the client's callbacks read into, on its thread (one
/// at a time: a response's callbacks never overlap).
struct exchange {
  attempt_ticket ticket;
  std::shared_ptr<const endpoint_options> options;
  std::string model;
  /// The run and model call, for the content reported as it streams.
  std::uint64_t run = 0;
  std::uint32_t step = 0;
  /// Bytes of the content reported so far.
  std::size_t reported = 0;
  std::uint64_t prompt_chars = 0;
  steady::time_point sent = steady::now();
  bool first_token = false;
  steady::duration first_token_after{0};
  unsigned status = 0;
  /// The response's status line and fields.
  net::response_head head;
  bool streamed = false;
  /// The body of an answer read whole, or of a refusal.
  std::string body;
  net::sse_parser events;
  std::vector<net::sse_event> pending;
  completion_stream stream;
  std::string stream_problem;
  /// The refusal an event of the stream held, if one did.
  std::optional<classified_failure> stream_error;

  [[nodiscard]] const model_metrics& metrics() const {
    return options->metrics.of(model);
  }

  /// A field of the response by name, any case; empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const {
    const auto* value = head.find(name);
    return value != nullptr ? std::string_view{*value} : std::string_view{};
  }

  void fail(policies::error_class error, std::string reason,
            std::optional<std::chrono::milliseconds> wait = std::nullopt) {
    report_failure(
        ticket, attempt_failure{
                    error, redact(std::move(reason), options->api_key), wait});
  }

  void on_head(const net::response_head& answer) {
    head = answer;
    status = head.status;
    streamed =
        status / 100 == 2 && header("content-type").find("text/event-stream") !=
                                 std::string_view::npos;
  }

  void on_body(std::string_view bytes) {
    if (!streamed) {
      body.append(bytes);
      return;
    }
    if (!stream_problem.empty())
      return;
    if (!events.feed(bytes, pending)) {
      stream_problem = "an event of the stream is over the size limit";
      return;
    }
    for (auto& event : pending) {
      if (auto problem = stream.add(event.data)) {
        stream_problem = std::move(*problem);
        stream_error = classify_stream_error(event.data, options->api_key);
        break;
      }
    }
    pending.clear();
    report_content();
    if (!first_token && (!stream.answer().content.empty() ||
                         !stream.answer().tool_calls.empty())) {
      first_token = true;
      first_token_after = steady::now() - sent;
      observe(metrics().first_token_seconds, first_token_after);
    }
  }

  /// Reports the content not yet reported: one message per read, and
  /// none unless the run's session listens. A session that starts to
  /// listen mid-call gets what came before in its first message.
  void report_content() {
    const auto& content = stream.answer().content;
    if (!options->deltas || options->deltas->size() == 0 ||
        content.size() <= reported)
      return;
    if (options->deltas->report(
            {run, step, ticket.attempt, content.substr(reported)}))
      reported = content.size();
  }

  void on_done(const std::optional<net::client_failure>& failure) {
    if (failure) {
      if (failure->kind == net::failure_kind::cancelled)
        return; // the provider actor stopped waiting for this attempt
      auto reason = failure->message;
      if (streamed && failure->body_started)
        reason = "the answer was cut mid-stream: " + reason;
      fail(class_of(failure->kind), std::move(reason));
      return;
    }
    if (status / 100 != 2) {
      auto lookup = [this](std::string_view name) { return header(name); };
      auto classified = classify_status(
          status, body, lookup, policies::system_unix_ms(), options->api_key);
      fail(classified.error, std::move(classified.reason),
           classified.retry_after);
      return;
    }
    std::optional<completion> answer;
    if (streamed) {
      if (stream_error)
        return fail(stream_error->error, std::move(stream_error->reason),
                    stream_error->retry_after);
      if (!stream_problem.empty())
        return fail(policies::error_class::transient,
                    "the streamed answer is unreadable: " + stream_problem);
      if (!stream.done())
        return fail(policies::error_class::transient,
                    "the answer was cut mid-stream: the stream ended before "
                    "[DONE]");
      answer = stream.answer();
    } else {
      auto parsed = parse_completion(body);
      if (!parsed.answer)
        return fail(policies::error_class::transient,
                    "the answer is unreadable: " + parsed.problem);
      answer = std::move(parsed.answer);
    }
    succeed(std::move(*answer));
  }

  void succeed(completion answer) {
    auto elapsed = steady::now() - sent;
    const auto& m = metrics();
    if (!first_token)
      observe(m.first_token_seconds, elapsed);
    observe(m.call_seconds, elapsed);
    model_reply reply;
    reply.text = std::move(answer.content);
    std::uint64_t completion_chars = reply.text.size();
    for (auto& call : answer.tool_calls) {
      completion_chars += call.name.size() + call.arguments.size();
      reply.tool_calls.push_back({std::move(call.name),
                                  std::move(call.arguments),
                                  std::move(call.id)});
    }
    if (answer.usage) {
      reply.prompt_tokens = answer.usage->prompt_tokens;
      reply.completion_tokens = answer.usage->completion_tokens;
    } else {
      // Never charge zero: an endpoint that sends no usage still spent.
      reply.prompt_tokens = estimate_tokens(prompt_chars);
      reply.completion_tokens =
          std::max<std::uint64_t>(1, estimate_tokens(completion_chars));
      add(m.estimated_usage, 1);
    }
    if (auto i = options->prices.find(model); i != options->prices.end())
      reply.cost_micros =
          price(reply.prompt_tokens, i->second.input_per_million) +
          price(reply.completion_tokens, i->second.output_per_million);
    add(m.prompt_tokens, reply.prompt_tokens);
    add(m.completion_tokens, reply.completion_tokens);
    add(m.cost_micros, reply.cost_micros);
    reply.model = answer.model.empty() ? model : std::move(answer.model);
    slow_down_if_spent();
    if (first_token)
      report_streamed_success(
          ticket, std::move(reply),
          std::chrono::duration_cast<policies::duration>(first_token_after));
    else
      report_success(ticket, std::move(reply));
  }

  /// When the endpoint says a rate-limit budget is spent
  /// (x-ratelimit-remaining-requests or -tokens is 0), every caller waits
  /// until it resets, before the 429 that would follow.
  void slow_down_if_spent() {
    policies::duration wait{0};
    for (auto [remaining, reset] : {std::pair{"x-ratelimit-remaining-requests",
                                              "x-ratelimit-reset-requests"},
                                    std::pair{"x-ratelimit-remaining-tokens",
                                              "x-ratelimit-reset-tokens"}})
      if (header(remaining) == "0")
        if (auto d = net::parse_duration(header(reset)))
          wait = std::max<policies::duration>(wait, *d);
    report_backpressure(ticket, wait);
  }
};

std::string lower(std::string text) {
  for (auto& c : text)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return text;
}

} // namespace

endpoint_model::endpoint_model(endpoint_options options,
                               std::shared_ptr<net::http_client> client)
    : options_(std::make_shared<const endpoint_options>(std::move(options))),
      client_(std::move(client)) {}

void endpoint_model::start(const model_request& request,
                           const attempt_ticket& ticket) {
  auto call = std::make_shared<exchange>();
  call->ticket = ticket;
  call->options = options_;
  call->model = request.model;
  call->run = request.run;
  call->step = request.step;
  call->prompt_chars = prompt_chars(request);
  net::client_request http;
  http.verb = net::method::post;
  http.target = options_->target;
  http.headers = options_->headers;
  http.headers.emplace_back("Content-Type", "application/json");
  if (options_->style.stream)
    http.headers.emplace_back("Accept", "text/event-stream");
  http.body = request_body(request, options_->tools, options_->style);
  http.timeout = options_->timeout;
  call->sent = steady::now();
  auto handle = client_->send(options_->origin, options_->tls, std::move(http),
                              detail::handlers_for(call));
  calls_.add(ticket, std::move(handle));
}

void endpoint_model::abandon(const attempt_ticket& ticket) {
  calls_.cancel(ticket);
}

caf::expected<std::shared_ptr<model_backend>>
make_endpoint_model(const std::string& name,
                    const config::provider_settings& settings,
                    tool_catalog tools, provider_model_metrics metrics,
                    std::shared_ptr<const delta_board> deltas) {
  auto key_path = [&](const char* key) {
    return "providers." + name + "." + key;
  };
  endpoint_options options;
  options.provider = name;
  std::string problem;
  auto endpoint = settings.endpoint;
  auto endpoint_key = key_path("endpoint");
  if (!settings.endpoint_env.empty()) {
    const char* from_env = std::getenv(settings.endpoint_env.c_str());
    if (from_env != nullptr && *from_env != '\0') {
      endpoint = from_env;
      endpoint_key =
          key_path("endpoint_env") + " (" + settings.endpoint_env + ")";
    }
  }
  if (endpoint.empty())
    return make_error(error_code::invalid_argument,
                      key_path("endpoint_env") + ": environment variable " +
                          settings.endpoint_env +
                          " is unset or empty and endpoint is not set");
  auto origin = net::parse_url(endpoint, problem);
  if (!origin)
    return make_error(error_code::invalid_argument,
                      endpoint_key + ": " + problem);
  options.origin = *origin;
  options.target = origin->target("/chat/completions");
  options.tls.verify = settings.tls_verify;
  if (!settings.ca_file.empty()) {
    if (!std::ifstream{settings.ca_file})
      return make_error(error_code::invalid_argument, key_path("ca_file") +
                                                          ": cannot read " +
                                                          settings.ca_file);
    options.tls.ca_file = settings.ca_file;
  }
  if (!settings.api_key_env.empty()) {
    const char* key = std::getenv(settings.api_key_env.c_str());
    if (key == nullptr || *key == '\0')
      return make_error(error_code::invalid_argument,
                        key_path("api_key_env") + ": environment variable " +
                            settings.api_key_env + " is unset or empty");
    options.api_key = key;
    if (lower(settings.api_key_header) == "authorization")
      options.headers.emplace_back("Authorization",
                                   "Bearer " + options.api_key);
    else
      options.headers.emplace_back(settings.api_key_header, options.api_key);
  }
  for (const auto& header : settings.headers)
    options.headers.emplace_back(header.name, header.value);
  for (const auto& model : settings.models)
    options.prices[model.name] = {model.input_per_million,
                                  model.output_per_million};
  options.tools = std::move(tools);
  options.style.stream = settings.stream;
  options.timeout = std::chrono::milliseconds{settings.timeout_ms};
  options.metrics = std::move(metrics);
  options.deltas = std::move(deltas);
  net::client_options client_options;
  client_options.max_connections_per_origin = settings.max_connections;
  auto client = net::http_client::start(client_options, problem);
  if (!client)
    return make_error(error_code::invalid_argument,
                      "provider " + name + ": " + problem);
  return std::shared_ptr<model_backend>{std::make_shared<endpoint_model>(
      std::move(options),
      std::shared_ptr<net::http_client>{std::move(client)})};
}

} // namespace warden::openai
