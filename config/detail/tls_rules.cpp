#include <initializer_list>
#include <string>
#include <utility>

#include "config/detail/rules.hpp"

namespace warden::config::detail {

namespace {

using file_key = std::pair<const char*, const std::string*>;

/// Reports each of `keys` left empty when another is set: `together` says
/// how they go, and what setting none of them means.
void check_together(rule_context& context, std::initializer_list<file_key> keys,
                    const char* together) {
  const char* given = nullptr;
  bool missing = false;
  for (const auto& key : keys) {
    if (key.second->empty())
      missing = true;
    else if (given == nullptr)
      given = key.first;
  }
  if (given == nullptr || !missing)
    return;
  for (const auto& key : keys)
    if (key.second->empty())
      context.report_missing(key.first, given,
                             std::string{"is required with "} + given + ": " +
                                 together);
}

} // namespace

void check_tls_rules(rule_context& context) {
  const auto& value = context.value();
  // A node with some of its TLS files but not all would have to fall back
  // on something; the operator's PKI is all or nothing.
  check_together(context,
                 {{"node.tls_cert", &value.node.tls_cert},
                  {"node.tls_key", &value.node.tls_key},
                  {"node.tls_ca_file", &value.node.tls_ca_file}},
                 "node.tls_cert, node.tls_key and node.tls_ca_file go "
                 "together (set all three, or none for a private CA in "
                 "<data_dir>/tls)");
  check_together(context,
                 {{"api.tls_cert", &value.api.tls_cert},
                  {"api.tls_key", &value.api.tls_key}},
                 "api.tls_cert and api.tls_key go together (set both for "
                 "HTTPS, or neither for plain HTTP)");
}

} // namespace warden::config::detail
