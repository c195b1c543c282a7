#include "apps/tls/private_pki.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/tls/certificates.hpp"

namespace warden::tls {

namespace {

namespace fs = std::filesystem;

std::string os_error(const char* what) {
  return std::string{what} + ": " + std::strerror(errno);
}

/// Writes `content` to the new file `path` with `mode` and syncs it.
bool write_new_file(const fs::path& path, const std::string& content,
                    mode_t mode, std::string& error) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    error = os_error("cannot create");
    return false;
  }
  // The mode given to open() is masked by the umask; keys must be 0600
  // exactly, whatever the umask.
  bool ok = fchmod(fd, mode) == 0;
  std::size_t done = 0;
  while (ok && done < content.size()) {
    auto n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    if (ok)
      done += static_cast<std::size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  if (!ok)
    error = os_error("cannot write");
  close(fd);
  return ok;
}

bool sync_directory(const fs::path& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

struct pki_material {
  pem_pair ca;
  pem_pair node;
  pem_pair client;
};

tls_result<pki_material> generate(const std::string& node_name) {
  auto valid = valid_for_days(generated_validity_days);
  auto ca = make_authority(node_name + " CA", valid);
  if (!ca)
    return {{}, ca.error};
  auto node = issue_certificate(ca.value, tls_role::node, node_name, valid);
  if (!node)
    return {{}, node.error};
  auto client =
      issue_certificate(ca.value, tls_role::client, "wardenctl", valid);
  if (!client)
    return {{}, client.error};
  return {{ca.value, node.value, client.value}, std::nullopt};
}

} // namespace

tls_result<private_pki> ensure_private_pki(const std::string& dir,
                                           const std::string& node_name) {
  private_pki result{dir, false, node_files_in(dir), client_files_in(dir)};
  std::error_code ec;
  if (fs::exists(dir, ec))
    return {std::move(result), std::nullopt};
  if (ec)
    return tls_failure<private_pki>(dir, "cannot look up: " + ec.message());
  auto material = generate(node_name);
  if (!material)
    return {{}, material.error};
  // Built beside the final directory, then renamed into place.
  fs::path target{dir};
  fs::path staging = target;
  staging += ".new-" + std::to_string(getpid());
  fs::remove_all(staging, ec);
  if (mkdir(staging.c_str(), 0700) != 0 || chmod(staging.c_str(), 0700) != 0)
    return tls_failure<private_pki>(staging.string(),
                                    os_error("cannot create"));
  using namespace pki_names;
  const struct {
    const char* name;
    const std::string* content;
    mode_t mode;
  } files[] = {
      {ca_certificate, &material.value.ca.certificate, 0644},
      {ca_key, &material.value.ca.key, 0600},
      {node_certificate, &material.value.node.certificate, 0644},
      {node_key, &material.value.node.key, 0600},
      {client_certificate, &material.value.client.certificate, 0644},
      {client_key, &material.value.client.key, 0600},
  };
  for (const auto& file : files) {
    std::string error;
    if (!write_new_file(staging / file.name, *file.content, file.mode, error)) {
      fs::remove_all(staging, ec);
      return tls_failure<private_pki>((staging / file.name).string(), error);
    }
  }
  if (!sync_directory(staging) ||
      rename(staging.c_str(), target.c_str()) != 0) {
    auto error = os_error("cannot move into place");
    fs::remove_all(staging, ec);
    return tls_failure<private_pki>(target.string(), error);
  }
  sync_directory(target.parent_path().empty() ? fs::path{"."}
                                              : target.parent_path());
  result.created = true;
  return {std::move(result), std::nullopt};
}

} // namespace warden::tls
