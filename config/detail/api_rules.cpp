#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "config/detail/checks.hpp"
#include "config/detail/rules.hpp"

namespace warden::config::detail {

namespace {

/// Digests compare without regard to case: "AB.." and "ab.." are one key.
std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return text;
}

/// A key speaks for one tenant or is an admin key, and its tenant is one
/// the node admits.
void check_principal(rule_context& context, const std::string& path,
                     const api_key_settings& key) {
  const auto& value = context.value();
  auto tenant_key = path + ".tenant";
  if (key.admin) {
    if (!key.tenant.empty())
      context.report(tenant_key,
                     "must be absent with admin = true: an admin key speaks "
                     "for no tenant (give the tenant a key of its own)");
    return;
  }
  if (key.tenant.empty()) {
    context.report_missing(tenant_key, path,
                           "is required: the tenant the key speaks for (or "
                           "admin = true for an operator's key)");
    return;
  }
  if (auto problem = check(key.tenant, text_rule::name); !problem.empty()) {
    context.report(tenant_key, problem);
    return;
  }
  if (value.tenants.count(key.tenant) == 0 &&
      value.admission.default_tier.empty() &&
      context.usable({"admission.default_tier"}))
    context.report_undefined(tenant_key, key.tenant,
                             "tenant (admission.default_tier is empty, so "
                             "no other tenant is admitted)",
                             names_of(value.tenants));
}

} // namespace

void check_api_rules(rule_context& context) {
  // Digest (lowercase) -> the first key that has it.
  std::map<std::string, std::string> seen;
  for (const auto& [id, key] : context.value().api.keys) {
    auto path = entry_path("api.keys", id);
    check_principal(context, path, key);
    auto digest_key = path + ".sha256";
    if (key.sha256.empty()) {
      context.report_missing(digest_key, path,
                             "is required: the SHA-256 of the key, 64 hex "
                             "digits (wardenctl new-api-key prints a key and "
                             "its digest)");
      continue;
    }
    if (!context.usable({digest_key}))
      continue;
    auto [first, added] = seen.emplace(lowercase(key.sha256), path);
    if (!added)
      context.report(digest_key,
                     "is the digest of " + first->second +
                         " too: each key is one tenant's or the operator's "
                         "(make a new key with wardenctl new-api-key)");
  }
}

} // namespace warden::config::detail
