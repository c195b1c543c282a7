#include <string>
#include <utility>

#include "config/detail/rules.hpp"

namespace warden::config::detail {

void check_tls_rules(rule_context& context) {
  const auto& node = context.value().node;
  // A node with some of its TLS files but not all would have to fall back
  // on something; the operator's PKI is all or nothing.
  const std::pair<const char*, const std::string*> keys[] = {
      {"node.tls_cert", &node.tls_cert},
      {"node.tls_key", &node.tls_key},
      {"node.tls_ca_file", &node.tls_ca_file}};
  int set = 0;
  for (const auto& key : keys)
    set += key.second->empty() ? 0 : 1;
  if (set == 0 || set == 3)
    return;
  const char* given = nullptr;
  for (const auto& key : keys)
    if (!key.second->empty() && given == nullptr)
      given = key.first;
  for (const auto& key : keys)
    if (key.second->empty())
      context.report_missing(
          key.first, given,
          std::string{"is required with "} + given +
              ": node.tls_cert, node.tls_key and node.tls_ca_file go "
              "together (set all three, or none for a private CA in "
              "<data_dir>/tls)");
}

} // namespace warden::config::detail
