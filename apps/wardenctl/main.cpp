// wardenctl: drives a Warden node from the command line.
#include "apps/wardenctl/commands.hpp"

int main(int argc, char** argv) {
  auto parsed = warden::apps::parse_ctl_command(argc, argv);
  if (!parsed.command)
    return parsed.exit_code;
  if (parsed.command->verb == "new-api-key")
    return warden::apps::print_new_api_key(*parsed.command);
  if (!parsed.command->api.empty())
    return warden::apps::run_api_command(*parsed.command);
  return warden::apps::run_ctl_command(*parsed.command);
}
