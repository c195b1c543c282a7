#include "bench/standard/measure.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <jemalloc/jemalloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace warden::bench {

std::uint64_t resident_bytes() {
  std::ifstream in{"/proc/self/statm"};
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  in >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::uint64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// warden-bench links jemalloc (bench/CMakeLists.txt): its statistics and
// purging go through mallctl.

std::uint64_t trimmed_resident_bytes() {
  auto purge = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0);
  return resident_bytes();
}

std::uint64_t heap_bytes_in_use() {
  std::uint64_t epoch = 1;
  auto size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  std::size_t allocated = 0;
  size = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) != 0)
    return 0;
  return allocated;
}

double quantile(std::vector<std::int64_t>& samples, double q) {
  if (samples.empty())
    return 0.0;
  auto rank = static_cast<std::size_t>(
      std::ceil(q * static_cast<double>(samples.size())));
  rank = std::clamp<std::size_t>(rank, 1, samples.size()) - 1;
  std::nth_element(samples.begin(),
                   samples.begin() + static_cast<std::ptrdiff_t>(rank),
                   samples.end());
  return static_cast<double>(samples[rank]);
}

machine_info describe_machine() {
  machine_info result;
  result.cores = std::thread::hardware_concurrency();
  std::ifstream cpuinfo{"/proc/cpuinfo"};
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      result.cpu = colon == std::string::npos ? line : line.substr(colon + 2);
      break;
    }
  utsname uts{};
  if (uname(&uts) == 0)
    result.kernel = std::string{uts.sysname} + " " + uts.release;
  return result;
}

} // namespace warden::bench
