#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/resilience.hpp"

namespace warden::config {

/// What implements a model provider.
enum class provider_kind : std::uint8_t {
  scripted, ///< the built-in deterministic provider (demo, tests, benchmarks)
  openai,   ///< an OpenAI-compatible HTTP endpoint
};

/// Returns the name used in the file ("scripted", "openai").
const char* to_string(provider_kind x) noexcept;

/// [[providers.<name>.headers]]: one header sent with every call.
struct header_setting {
  /// The header's name, e.g. "OpenAI-Organization". Required.
  std::string name;
  /// Its value, sent as is. Default empty.
  std::string value;
};

/// [[providers.<name>.models]]: what one model of a provider costs.
struct model_price_settings {
  /// The model's name as the endpoint knows it (agents' `model`). Required.
  std::string name;
  /// Price of a million prompt tokens in millionths of the currency.
  /// Range [0, 1000000000000]. Default 0.
  std::uint64_t input_per_million = 0;
  /// Price of a million completion tokens in millionths of the currency.
  /// Range [0, 1000000000000]. Default 0.
  std::uint64_t output_per_million = 0;
};

/// [providers.<name>]: one model provider and how calls to it are governed.
struct provider_settings {
  /// What implements the provider. Default scripted.
  provider_kind kind = provider_kind::scripted;
  /// Script of replies, tool calls, usage and faults; scripted only. Empty =
  /// the built-in script (answers at once). Relative paths are resolved
  /// against wardend's working directory. Default empty.
  std::string script;
  /// Base URL, http:// or https://; required for openai, not allowed for
  /// scripted. Default empty.
  std::string endpoint;
  /// Name of an environment variable that holds the base URL; when it is
  /// set and not empty at start it replaces `endpoint` (OPENAI_BASE_URL);
  /// openai only. Default empty.
  std::string endpoint_env;
  /// Name of the environment variable that holds the API key; openai only.
  /// Empty = no Authorization header. Default empty.
  std::string api_key_env;
  /// Header that carries the API key; openai only. "Authorization" sends
  /// "Bearer <key>"; any other name (Azure's "api-key") sends the key as
  /// is. Default "Authorization".
  std::string api_key_header = "Authorization";
  /// Headers sent with every call (OpenAI-Organization, ...); openai only.
  /// Default none.
  std::vector<header_setting> headers;
  /// Verify the endpoint's TLS certificate and host name; openai only.
  /// false only for test servers: anyone on the path can then read the
  /// key. Default true.
  bool tls_verify = true;
  /// CA certificates (PEM) that sign the endpoint's certificate; openai
  /// only. Empty = the system's CA store. Relative paths are resolved
  /// against wardend's working directory. Default empty.
  std::string ca_file;
  /// Ask for streamed answers (Server-Sent Events): the time to the first
  /// token is measured and a slow first token counts as a slow call;
  /// openai only. Default true.
  bool stream = true;
  /// HTTP connections kept to the endpoint at most (calls beyond it wait
  /// for one); openai only. Range [1, 65536]. Default 64.
  std::uint32_t max_connections = 64;
  /// Prices per model, for cost budgets. A model not listed costs 0.
  /// Default none.
  std::vector<model_price_settings> models;
  /// Timeout of one model call in milliseconds. Range [1, 3600000].
  /// Default 60000.
  std::uint32_t timeout_ms = 60'000;
  /// Calls started per minute; 0 = unlimited. Range [0, 10000000]. Default 0.
  std::uint32_t requests_per_minute = 0;
  /// Tokens (prompt + completion) per minute; 0 = unlimited.
  /// Range [0, 1000000000000]. Default 0.
  std::uint64_t tokens_per_minute = 0;
  /// How failed calls are retried. Default: 3 attempts (see retry_settings).
  retry_settings retry;
  /// The provider's circuit breaker. Default: see breaker_settings.
  breaker_settings breaker;
};

/// What implements a tool.
enum class tool_kind : std::uint8_t {
  echo,        ///< returns its arguments
  sleep,       ///< waits duration_ms, then returns
  fail,        ///< fails its first `times` calls with error class `error`
  append_file, ///< appends a line per call to the file at `path`
  spawn_agent, ///< runs a child session of agent `agent`
  native,      ///< a tool registered from C++ under the same name
  command,     ///< runs one process per call (see tool_settings::command)
  http, ///< POSTs each call's arguments to `url` (see tool_settings::url)
  mcp,  ///< a tool of an MCP server (set by the node, never in [tools])
};

/// Returns the name used in the file ("echo", "sleep", ...).
const char* to_string(tool_kind x) noexcept;

/// What calling a tool does to the world; decides whether it may be retried.
enum class side_effect_kind : std::uint8_t {
  pure,       ///< no effect at all; safe to retry and to replay
  idempotent, ///< repeating a call has the effect of one call; safe to retry
  effectful,  ///< each call has an effect; never retried
};

/// Returns the name used in the file ("pure", "idempotent", "effectful").
const char* to_string(side_effect_kind x) noexcept;

/// [tools.<name>]: one tool agents may call and how calls to it are governed.
struct tool_settings {
  /// What implements the tool. Default native.
  tool_kind kind = tool_kind::native;
  /// Timeout of one call in milliseconds. Range [1, 3600000]. Default 10000.
  std::uint32_t timeout_ms = 10'000;
  /// What a call does to the world. Default effectful (the safe assumption).
  side_effect_kind side_effect = side_effect_kind::effectful;
  /// Calls started per minute; 0 = unlimited. Range [0, 10000000]. Default 0.
  std::uint32_t requests_per_minute = 0;
  /// Time a call takes, in milliseconds; sleep only. Range [0, 3600000].
  /// Default 100.
  std::uint32_t duration_ms = 100;
  /// Calls that fail before the tool succeeds; 0 = every call fails; fail
  /// only. Range [0, 1000000]. Default 1.
  std::uint32_t times = 1;
  /// Error class of the failures; fail only. Default transient.
  error_class error = error_class::transient;
  /// Agent whose session the tool spawns as a child; required for
  /// spawn_agent, not allowed otherwise. Default empty.
  std::string agent;
  /// File each call appends one line to; required for append_file, not
  /// allowed otherwise. Relative paths are resolved against wardend's working
  /// directory. Default empty.
  std::string path;
  /// Executable each call runs, without a shell; required for command, not
  /// allowed otherwise. A name without a slash is looked up on wardend's
  /// PATH when the configuration is loaded (and replaced by the path found);
  /// a relative path is resolved against wardend's working directory.
  /// Default empty.
  std::string command;
  /// Arguments after the program name, as is; command only. Default none.
  std::vector<std::string> args;
  /// The child's whole environment besides PATH, HOME and LANG (taken from
  /// wardend's unless set here); nothing else of wardend's environment
  /// reaches it; command only. Default none.
  std::map<std::string, std::string> env;
  /// Working directory of the child; command only. Empty = wardend's.
  /// Default empty.
  std::string cwd;
  /// Bytes a call may answer: the process's standard output (command; beyond
  /// it the process is killed) or the response body (http; beyond it the
  /// connection is dropped); beyond it the call fails. command and http
  /// only. Range [1, 67108864]. Default 1048576 (1 MiB).
  std::uint32_t max_output_bytes = 1'048'576;
  /// Milliseconds between SIGTERM and SIGKILL when a call's process group is
  /// stopped (timeout, cancel, shutdown); command only. Range [0, 60000].
  /// Default 2000.
  std::uint32_t kill_grace_ms = 2'000;
  /// URL each call POSTs its JSON arguments to, http:// or https:// (no
  /// user information, query or fragment); required for http, not allowed
  /// otherwise. Default empty.
  std::string url;
  /// Headers of every call, name -> value; `${NAME}` in a value stands for
  /// wardend's environment variable NAME, read when the tool starts (unset
  /// or empty: a config error), so that secrets stay out of the file; what
  /// the variables hold never appears in logs, errors or results. http
  /// only. Default none.
  std::map<std::string, std::string> headers;
  /// CA certificates (PEM) that sign the server's certificate; http only,
  /// with an https url. Empty = the system's CA store. Relative paths are
  /// resolved against wardend's working directory. Default empty.
  std::string ca_file;
  /// How failed calls are retried. Default: never (max_attempts 1); an
  /// effectful tool may not be retried.
  retry_settings retry = retry_settings::none();
  /// The tool's circuit breaker. Default: see breaker_settings.
  breaker_settings breaker;
};

} // namespace warden::config
