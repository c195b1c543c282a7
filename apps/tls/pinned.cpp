#include "apps/tls/pinned.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace warden::tls {

namespace {

/// A PEM file larger than this is not a credential file.
constexpr std::size_t max_file_size = 1 << 20;

tls_result<std::string> read_file(const std::string& path) {
  errno = 0;
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return tls_failure<std::string>(
        path, std::string{"cannot read: "} +
                  (errno != 0 ? std::strerror(errno) : "cannot open"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return tls_failure<std::string>(path, "cannot read: read error");
  auto content = text.str();
  if (content.size() > max_file_size)
    return tls_failure<std::string>(path, "is larger than 1 MiB: not a PEM "
                                          "credential file");
  return {std::move(content), std::nullopt};
}

// A sealed memory file holding `content`; -1 and errno on failure.
int sealed_copy(const std::string& content) {
  int fd = memfd_create("warden-tls", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return -1;
  std::size_t done = 0;
  while (done < content.size()) {
    auto n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      close(fd);
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  if (fcntl(fd, F_ADD_SEALS,
            F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

} // namespace

pinned_credentials::pinned_credentials(pinned_credentials&& other) noexcept
    : origin_(std::move(other.origin_)), paths_(std::move(other.paths_)) {
  for (int i = 0; i < 3; ++i)
    fds_[i] = std::exchange(other.fds_[i], -1);
}

pinned_credentials&
pinned_credentials::operator=(pinned_credentials&& other) noexcept {
  if (this != &other) {
    close_all();
    origin_ = std::move(other.origin_);
    paths_ = std::move(other.paths_);
    for (int i = 0; i < 3; ++i)
      fds_[i] = std::exchange(other.fds_[i], -1);
  }
  return *this;
}

pinned_credentials::~pinned_credentials() {
  close_all();
}

void pinned_credentials::close_all() noexcept {
  for (auto& fd : fds_)
    if (fd >= 0)
      close(std::exchange(fd, -1));
}

tls_result<pinned_credentials>
pinned_credentials::pin(const credential_files& origin) {
  pinned_credentials result;
  result.origin_ = origin;
  const std::string* sources[] = {&origin.certificate, &origin.key, &origin.ca};
  std::string* targets[] = {&result.paths_.certificate, &result.paths_.key,
                            &result.paths_.ca};
  for (int i = 0; i < 3; ++i) {
    auto content = read_file(*sources[i]);
    if (!content)
      return {pinned_credentials{}, content.error};
    result.fds_[i] = sealed_copy(content.value);
    if (result.fds_[i] < 0)
      return {pinned_credentials{},
              tls_error{*sources[i], std::string{"cannot pin a copy in "
                                                 "memory: "} +
                                         std::strerror(errno)}};
    *targets[i] = "/proc/self/fd/" + std::to_string(result.fds_[i]);
  }
  return {std::move(result), std::nullopt};
}

} // namespace warden::tls
