#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "config/error.hpp"
#include "config/settings.hpp"
#include "config/validate.hpp"

// The cross-field rules of validate(), one function per part of the file.
namespace warden::config::detail {

/// What a rule reads and where it reports.
class rule_context {
 public:
  rule_context(const settings& value, const source_map& where,
               config_errors& errors)
      : value_(value), where_(where), errors_(errors) {}

  [[nodiscard]] const settings& value() const noexcept { return value_; }

  /// Whether the file sets `key`.
  [[nodiscard]] bool present(const std::string& key) const {
    return where_.present(key);
  }

  /// Whether no key of `keys` was rejected while reading (a rule about a
  /// rejected value would only repeat the first error).
  [[nodiscard]] bool usable(std::initializer_list<std::string> keys) const;

  /// Reports `message` about `key`, unless `key` was rejected while reading.
  void report(const std::string& key, std::string message);

  /// Reports `message` about `key` at its own position when the file sets
  /// it, else at the position of `instead` (a key of the same rule that the
  /// file may set); nothing when either was rejected while reading.
  void report_near(const std::string& key, const std::string& instead,
                   std::string message);

  /// Reports `message` about the required `key`, which is absent or empty:
  /// at its own position when the file sets it, else at the position of
  /// `required_by` (the key whose value makes `key` required); nothing when
  /// either was rejected while reading.
  void report_missing(const std::string& key, const std::string& required_by,
                      std::string message) {
    report_near(key, required_by, std::move(message));
  }

  /// Reports that `key` names `name`, which is not one of `defined` (the
  /// names of the `what` tables, e.g. "tier").
  void report_undefined(const std::string& key, const std::string& name,
                        const char* what,
                        const std::vector<std::string>& defined);

 private:
  const settings& value_;
  const source_map& where_;
  config_errors& errors_;
};

/// "`name` is not a defined `what`; defined: `a`, `b`", with the closest
/// defined name when one is close.
[[nodiscard]] std::string
undefined_message(const std::string& name, const char* what,
                  const std::vector<std::string>& defined);

/// The names of a map's entries.
template <class Map>
std::vector<std::string> names_of(const Map& entries) {
  std::vector<std::string> result;
  for (const auto& entry : entries)
    result.push_back(entry.first);
  return result;
}

/// Sorts errors by line and column, those without a line (rules about
/// absent keys, a missing file) last; keeps the order of equal positions.
void sort_in_file_order(config_errors& errors);

/// Path of the named table `name` under `section` ("tools.search").
std::string entry_path(const char* section, const std::string& name);

/// [node], the listeners of [node], [metrics] and [api] (no shared port),
/// and [sessions] (against admission.global_cap).
void check_node_rules(rule_context& context);

/// [api]: its keys (a tenant or admin each, one digest per key).
void check_api_rules(rule_context& context);

/// [cluster]: 2 to 256 members, each name and address once, this node
/// among them at its own listen address, a shared CA, and the failure
/// timeout against the heartbeat interval.
void check_cluster_rules(rule_context& context);

/// The node's TLS files: node.tls_cert, tls_key and tls_ca_file.
void check_tls_rules(rule_context& context);

/// [admission], [tiers], [tenants] and [[priorities]].
void check_admission_rules(rule_context& context);

/// [governor] (its kind limits against its global limit).
void check_governor_rules(rule_context& context);

/// [providers] and [tools], their retry and breaker tables included.
void check_dependency_rules(rule_context& context);

/// Reports each key of `keys` that tool `prefix` ("tools.x") of kind `kind`
/// sets: it only applies to `owners` ("kind = \"command\"").
void refuse_keys_of(rule_context& context, const std::string& prefix,
                    std::initializer_list<const char*> keys,
                    const std::string& owners, tool_kind kind);

/// The keys of command tools on tool `tool` at `prefix` ("tools.x"): only
/// on kind = "command"; there, an executable `command` and an existing
/// `cwd`.
void check_command_tool(rule_context& context, const std::string& prefix,
                        const tool_settings& tool);

/// The retry table at `prefix`.retry (backoffs in order, classes once).
void check_retry(rule_context& context, const std::string& prefix,
                 const retry_settings& retry);

/// The breaker table at `prefix`.breaker against the call's `timeout_ms`.
void check_breaker(rule_context& context, const std::string& prefix,
                   const breaker_settings& breaker, std::uint32_t timeout_ms);

/// A tool's retry and breaker tables at `prefix` (no first-token rule: a
/// tool has no first token).
void check_tool_guard(rule_context& context, const std::string& prefix,
                      const retry_settings& retry,
                      const breaker_settings& breaker,
                      std::uint32_t timeout_ms);

/// `prefix`.command names an executable (resolved as load does) and
/// `prefix`.cwd, when set, a directory; an empty command is not checked.
void check_executable(rule_context& context, const std::string& prefix,
                      const std::string& command, const std::string& cwd);

/// [mcp_servers]: an executable command, an existing cwd, backoffs in
/// order, each tool in one side-effect list, no retry of effectful tools,
/// and no [tools] name in a server's "<name>__" space.
void check_mcp_rules(rule_context& context);

/// The keys of http tools on tool `tool` at `prefix` ("tools.x"): only on
/// kind = "http"; there, a usable `url`, a readable `ca_file` for https,
/// and `headers` whose `${NAME}` references are set in wardend's
/// environment.
void check_http_tool(rule_context& context, const std::string& prefix,
                     const tool_settings& tool);

/// [agents] and their references to providers and tools.
void check_agent_rules(rule_context& context);

/// Checks every value against its range (settings built in C++ have not
/// been through the reader), skipping keys the reader already rejected and
/// marking the keys it rejects in `where`.
void check_values(const settings& value, source_map& where,
                  config_errors& errors);

} // namespace warden::config::detail
