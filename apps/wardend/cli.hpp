#pragma once

#include <optional>
#include <string>

namespace warden::apps {

/// What the wardend command line asked for.
struct wardend_options {
  /// Path of the TOML configuration. Default "config/warden.toml".
  std::string config_path = "config/warden.toml";
  /// Validate the configuration, print `ok` or every error, and exit.
  bool check_config = false;
  /// Run the demo workload against the node (config/demo.toml by default).
  bool demo = false;
  /// Open a database refused as damaged anyway (see node_storage).
  bool accept_data_loss = false;
  /// UNSAFE, for the crash test's negative control only: acknowledge runs
  /// before their record is written (see node_storage).
  bool unsafe_ack_before_write = false;
};

/// The outcome of parsing the command line: options to run with, or an exit
/// code to leave with at once (after `--help`, `--version`, or a usage error,
/// whose text has already been printed).
struct cli_outcome {
  std::optional<wardend_options> options;
  int exit_code = 0;
};

/// Parses wardend's command line. Prints help, version, or usage errors.
[[nodiscard]] cli_outcome parse_wardend_cli(int argc, char** argv);

} // namespace warden::apps
