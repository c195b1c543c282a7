// warden-test-pki: client credentials a node must refuse, and one that must
// refuse the node, made from a node's private PKI (its ca.pem and ca.key).
//
// Usage: warden-test-pki NODE_TLS_DIR OUT_DIR
// Writes three client directories for `wardenctl --tls-dir` (client.pem,
// client.key, ca.pem each):
//   OUT_DIR/other-ca    a client certificate from another CA (trusts the
//                       node's CA)
//   OUT_DIR/expired     a client certificate from the node's CA that expired
//                       yesterday
//   OUT_DIR/untrusting  a valid client certificate from the node's CA, but
//                       trusting another CA only (so it refuses the node)
// and prints nothing; exit 0, or 1 with the reason.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/tls/certificates.hpp"
#include "apps/tls/files.hpp"

namespace {

using namespace warden::tls;
namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in{path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write(const fs::path& path, const std::string& content) {
  std::ofstream{path} << content;
}

/// Writes a client directory: `client` as client.pem/.key, `ca` as ca.pem.
void client_dir(const fs::path& dir, const pem_pair& client,
                const std::string& ca) {
  fs::create_directories(dir);
  write(dir / pki_names::client_certificate, client.certificate);
  write(dir / pki_names::client_key, client.key);
  fs::permissions(dir / pki_names::client_key,
                  fs::perms::owner_read | fs::perms::owner_write);
  write(dir / pki_names::ca_certificate, ca);
}

template <class T>
T need(tls_result<T> x) {
  if (!x) {
    std::cerr << "warden-test-pki: " << x.error->to_string() << '\n';
    std::exit(1);
  }
  return std::move(x.value);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: warden-test-pki NODE_TLS_DIR OUT_DIR\n";
    return 2;
  }
  fs::path node_dir{argv[1]};
  fs::path out{argv[2]};
  pem_pair node_ca{read(node_dir / pki_names::ca_certificate),
                   read(node_dir / pki_names::ca_key)};
  auto valid = valid_for_days(30);
  auto other_ca = need(make_authority("another CA", valid));
  client_dir(
      out / "other-ca",
      need(issue_certificate(other_ca, tls_role::client, "stranger", valid)),
      node_ca.certificate);
  auto now = std::chrono::system_clock::now();
  validity past{now - std::chrono::hours{24 * 30},
                now - std::chrono::hours{24}};
  client_dir(
      out / "expired",
      need(issue_certificate(node_ca, tls_role::client, "expired", past)),
      node_ca.certificate);
  client_dir(
      out / "untrusting",
      need(issue_certificate(node_ca, tls_role::client, "untrusting", valid)),
      other_ca.certificate);
  return 0;
}
