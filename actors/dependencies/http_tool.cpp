#include "actors/dependencies/http_tool.hpp"

#include <charconv>
#include <stdexcept>
#include <utility>

#include "actors/common/secret_text.hpp"
#include "actors/protocol/error.hpp"
#include "config/env_references.hpp"
#include "net/retry_after.hpp"
#include "policies/clock.hpp"

namespace warden {

namespace {

using policies::error_class;

/// The body of a refusal is kept to this many bytes in a reason.
constexpr std::size_t max_body_note_bytes = 512;

attempt_failure
failure_of(error_class error, std::string reason,
           std::optional<std::chrono::milliseconds> wait = std::nullopt) {
  std::optional<policies::duration> after;
  if (wait)
    after = std::chrono::duration_cast<policies::duration>(*wait);
  return attempt_failure{error, std::move(reason), after};
}

/// The wait a server asks for: `retry-after-ms`, else `Retry-After`.
std::optional<std::chrono::milliseconds>
asked_wait(const net::response_head& head, std::uint64_t now_unix_ms) {
  if (const auto* ms = head.find("retry-after-ms"))
    if (auto wait = net::parse_retry_after_ms(*ms))
      return wait;
  if (const auto* after = head.find("retry-after"))
    return net::parse_retry_after(*after, now_unix_ms);
  return std::nullopt;
}

/// The path of `url` as written (parse_url has refused a query or a
/// fragment, and drops a trailing slash a server may care about).
std::string target_of(const std::string& url) {
  auto authority = url.find("://");
  auto path = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  return path == std::string::npos ? std::string{"/"} : url.substr(path);
}

/// Thrown by a response callback to make the client drop the connection
/// (its documented way to cancel from inside a callback, with no race
/// against the handle that send() returns).
struct body_over_cap : std::length_error {
  body_over_cap() : std::length_error{"the body is over max_output_bytes"} {}
};

/// One exchange: what the client's callbacks read into, on its thread (one
/// at a time: a response's callbacks never overlap).
struct exchange {
  attempt_ticket ticket;
  std::shared_ptr<const http_tool_options> options;
  net::response_head head;
  std::string body;
  bool over_cap = false;

  void on_head(const net::response_head& answer) {
    head = answer;
    // A length over the cap is known before a byte of the body is read.
    if (const auto* length = head.find("content-length")) {
      std::uint64_t bytes = 0;
      auto end = length->data() + length->size();
      auto read = std::from_chars(length->data(), end, bytes);
      // A length too long to count is over any cap.
      if (read.ec == std::errc::result_out_of_range ||
          (read.ec == std::errc{} && bytes > options->max_body_bytes))
        stop_reading();
    }
  }

  void on_body(std::string_view bytes) {
    if (body.size() + bytes.size() > options->max_body_bytes)
      stop_reading();
    body.append(bytes);
  }

  [[noreturn]] void stop_reading() {
    over_cap = true;
    body.clear();
    throw body_over_cap{};
  }

  void on_done(const std::optional<net::client_failure>& failure) {
    if (over_cap)
      return fail(failure_of(
          error_class::permanent,
          "the answer's body is over " +
              std::to_string(options->max_body_bytes) +
              " bytes (max_output_bytes); the connection was dropped"));
    if (failure) {
      if (failure->kind == net::failure_kind::cancelled)
        return; // the runner stopped waiting for this attempt
      return fail(http_exchange_failure(*failure));
    }
    if (auto refused = http_answer_failure(
            head, body, policies::system_unix_ms(), options->secrets))
      return fail(std::move(*refused));
    report_success(ticket,
                   tool_reply{redact(std::move(body), options->secrets), 0});
  }

  void fail(attempt_failure failure) {
    failure.reason = redact(std::move(failure.reason), options->secrets);
    report_failure(ticket, std::move(failure));
  }
};

} // namespace

std::optional<attempt_failure>
http_answer_failure(const net::response_head& head, std::string_view body,
                    std::uint64_t now_unix_ms,
                    const std::vector<std::string>& secrets) {
  auto status = head.status;
  if (status / 100 == 2)
    return std::nullopt;
  auto note = redact(std::string{body}, secrets);
  cut_text(note, max_body_note_bytes);
  auto reason = "the server answered HTTP " + std::to_string(status);
  if (status / 100 == 3)
    reason += " (redirects are not followed)";
  if (!note.empty())
    reason += ": " + note;
  if (status == 429)
    return failure_of(error_class::rate_limited, std::move(reason),
                      asked_wait(head, now_unix_ms));
  if (status == 408 || status / 100 == 5)
    return failure_of(error_class::transient, std::move(reason),
                      asked_wait(head, now_unix_ms));
  return failure_of(error_class::permanent, std::move(reason));
}

attempt_failure http_exchange_failure(const net::client_failure& failure) {
  switch (failure.kind) {
  case net::failure_kind::timeout:
    return failure_of(error_class::timeout, failure.message);
  case net::failure_kind::too_large:
  case net::failure_kind::invalid_request:
    // The same request would meet the same refusal.
    return failure_of(error_class::permanent, failure.message);
  case net::failure_kind::stopped:
  case net::failure_kind::cancelled:
    return failure_of(error_class::cancelled, failure.message);
  case net::failure_kind::dns:
  case net::failure_kind::connect:
  case net::failure_kind::tls:
  case net::failure_kind::reset:
  case net::failure_kind::protocol:
  case net::failure_kind::overloaded:
    break;
  }
  return failure_of(error_class::transient, failure.message);
}

http_tool::http_tool(http_tool_options options,
                     std::shared_ptr<net::http_client> client)
    : options_(std::make_shared<const http_tool_options>(std::move(options))),
      client_(std::move(client)) {}

void http_tool::start(const tool_request& request,
                      const attempt_ticket& ticket) {
  auto call = std::make_shared<exchange>();
  call->ticket = ticket;
  call->options = options_;
  net::client_request http;
  http.verb = net::method::post;
  http.target = options_->target;
  http.headers = options_->headers;
  http.body = request.arguments;
  http.timeout = options_->timeout;
  calls_.add(ticket,
             client_->send(options_->origin, options_->tls, std::move(http),
                           detail::handlers_for(call)));
}

void http_tool::abandon(const attempt_ticket& ticket) {
  calls_.cancel(ticket);
}

caf::expected<std::shared_ptr<tool_backend>>
make_http_tool(const std::string& name, const config::tool_settings& settings,
               std::shared_ptr<net::http_client> client) {
  auto key = "tools." + name;
  http_tool_options options;
  std::string problem;
  auto origin = net::parse_url(settings.url, problem);
  if (!origin)
    return make_error(error_code::invalid_argument, key + ".url: " + problem);
  options.origin = *origin;
  options.target = target_of(settings.url);
  options.tls.ca_file = settings.ca_file;
  auto environment = config::process_environment();
  for (const auto& [header, value] : settings.headers) {
    auto expanded = config::expand_env_references(value, environment);
    if (!expanded.problem.empty())
      return make_error(error_code::invalid_argument,
                        key + ".headers." + header + ": " + expanded.problem);
    options.headers.emplace_back(header, std::move(expanded.text));
    for (auto& secret : expanded.values)
      options.secrets.push_back(std::move(secret));
  }
  options.headers.emplace_back("Content-Type", "application/json");
  options.max_body_bytes = settings.max_output_bytes;
  // A second later than the runner's timer, so that the runner decides.
  options.timeout =
      std::chrono::milliseconds{settings.timeout_ms} + std::chrono::seconds{1};
  return std::shared_ptr<tool_backend>{
      std::make_shared<http_tool>(std::move(options), std::move(client))};
}

std::unique_ptr<net::http_client> start_tool_http_client(std::string& error) {
  net::client_options options;
  // A tool's cap is checked by its backend; the client's one is the
  // largest a tool may have, so that no tool's answer is cut short by it.
  // 64 MiB: the top of max_output_bytes' range.
  options.max_response_bytes = std::size_t{64} << 20;
  return net::http_client::start(options, error);
}

} // namespace warden
