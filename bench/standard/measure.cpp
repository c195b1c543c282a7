#include "bench/standard/measure.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <malloc.h>
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

std::uint64_t trimmed_resident_bytes() {
  malloc_trim(0);
  return resident_bytes();
}

std::uint64_t heap_bytes_in_use() {
  auto info = mallinfo2();
  return info.uordblks + info.hblkhd;
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
