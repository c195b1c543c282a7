// wardenctl new-api-key: a key for [api.keys.<id>], made here so that the
// key goes to its owner and only its digest into the node's configuration.

#include <exception>
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/exit_codes.hpp"
#include "apps/wardenctl/commands.hpp"

#include "api/keys.hpp"

namespace warden::apps {

int print_new_api_key(const ctl_command& cmd) {
  std::string key;
  try {
    key = api::new_key();
  } catch (const std::exception& e) {
    std::cerr << "wardenctl: cannot make a key: " << e.what() << '\n';
    return exit_failure;
  }
  auto digest = api::to_hex(api::sha256(key));
  if (cmd.json) {
    std::cout << nlohmann::json{{"key", key}, {"sha256", digest}}.dump()
              << '\n';
    return exit_ok;
  }
  std::cout << "key:    " << key << "\n"
            << "sha256: " << digest << "\n\n"
            << "Give the key to its owner (clients send it as "
               "`Authorization: Bearer <key>`)\n"
            << "and put its digest in wardend's configuration, then send "
               "wardend SIGHUP:\n\n"
            << "[api.keys.<id>]\n"
            << "tenant = \"<tenant>\"    # or admin = true\n"
            << "sha256 = \"" << digest << "\"\n";
  return exit_ok;
}

} // namespace warden::apps
