#include "apps/wardend/cli.hpp"

#include <iostream>

#include <boost/program_options.hpp>

#include "apps/exit_codes.hpp"

namespace po = boost::program_options;

namespace warden::apps {

cli_outcome parse_wardend_cli(int argc, char** argv) {
  wardend_options options;
  po::options_description description{
      "Usage: wardend [--config FILE] [--check-config] [--demo]\n\n"
      "Runs a Warden node from a TOML configuration.\n\nOptions"};
  description.add_options()                     //
      ("help,h", "print this help and exit")    //
      ("version", "print the version and exit") //
      ("config,c",
       po::value<std::string>(&options.config_path)
           ->default_value(options.config_path)
           ->value_name("FILE"),
       "TOML configuration file") //
      ("check-config", po::bool_switch(&options.check_config),
       "validate the configuration, print `ok` or every error, and exit "
       "(0 when valid, 2 otherwise)") //
      ("demo", po::bool_switch(&options.demo),
       "run a demo workload against the node and print its progress "
       "(config/demo.toml unless --config is given)") //
      ("accept-data-loss", po::bool_switch(&options.accept_data_loss),
       "open a database refused as damaged anyway, with what is intact: "
       "acknowledged runs written after the damage are lost; new run and "
       "session ids start above every id handed out (the refusal names the "
       "damaged files; restoring a backup keeps everything)") //
      ("unsafe-ack-before-write",
       po::bool_switch(&options.unsafe_ack_before_write),
       "TESTING ONLY, loses acknowledged runs on a crash: acknowledge runs "
       "before their record is written and write the journal every 200 ms "
       "(the crash test's negative control)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(description).run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "wardend: " << e.what() << "\n"
              << "Try `wardend --help`.\n";
    return {std::nullopt, exit_usage};
  }
  if (vm.count("help") > 0) {
    std::cout << description << '\n';
    return {std::nullopt, exit_ok};
  }
  if (options.demo && vm["config"].defaulted())
    options.config_path = "config/demo.toml";
  if (vm.count("version") > 0) {
    std::cout << "wardend " << WARDEN_VERSION << '\n';
    return {std::nullopt, exit_ok};
  }
  return {options, exit_ok};
}

} // namespace warden::apps
