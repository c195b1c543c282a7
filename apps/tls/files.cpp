#include "apps/tls/files.hpp"

#include <filesystem>

namespace warden::tls {

namespace {

std::string in(const std::string& dir, const char* name) {
  return (std::filesystem::path{dir} / name).string();
}

} // namespace

credential_files node_files_in(const std::string& dir) {
  return {in(dir, pki_names::node_certificate), in(dir, pki_names::node_key),
          in(dir, pki_names::ca_certificate)};
}

credential_files client_files_in(const std::string& dir) {
  return {in(dir, pki_names::client_certificate),
          in(dir, pki_names::client_key), in(dir, pki_names::ca_certificate)};
}

} // namespace warden::tls
