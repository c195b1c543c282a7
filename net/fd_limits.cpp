#include "net/fd_limits.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sys/resource.h>

namespace warden::net {

namespace {

/// The kernel's ceiling on any process's open files (fs.nr_open).
std::uint64_t kernel_ceiling() {
  std::ifstream in{"/proc/sys/fs/nr_open"};
  std::uint64_t value = 0;
  if (in >> value && value > 0)
    return value;
  return 1024 * 1024; // the kernel's default
}

} // namespace

fd_limit_change raise_fd_limit() {
  fd_limit_change result;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    result.error = std::string{"getrlimit(RLIMIT_NOFILE): "} + strerror(errno);
    return result;
  }
  result.before = result.after = limit.rlim_cur;
  auto target = limit.rlim_max == RLIM_INFINITY
                    ? static_cast<rlim_t>(kernel_ceiling())
                    : limit.rlim_max;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= target)
    return result;
  limit.rlim_cur = target;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    result.error = "setrlimit(RLIMIT_NOFILE, " + std::to_string(target) +
                   "): " + strerror(errno);
    return result;
  }
  result.after = target;
  return result;
}

std::uint64_t fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 0;
  return limit.rlim_cur;
}

std::optional<std::uint64_t> count_open_fds() {
  auto* dir = opendir("/proc/self/fd");
  if (dir == nullptr)
    return std::nullopt;
  std::uint64_t entries = 0;
  while (auto* entry = readdir(dir))
    if (entry->d_name[0] != '.')
      ++entries;
  closedir(dir);
  // The directory's own descriptor is listed too.
  return entries > 0 ? entries - 1 : 0;
}

std::uint64_t free_fds() {
  auto open = count_open_fds();
  auto limit = fd_limit();
  if (!open || *open >= limit)
    return 0;
  return limit - *open;
}

} // namespace warden::net
