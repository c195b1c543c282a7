#include "storage/detail/rocks_logger.hpp"

#include <cstdarg>
#include <cstdio>

#include "logging/log.hpp"

namespace warden::storage::detail {

rocks_logger::rocks_logger()
    : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {
  // nop
}

void rocks_logger::Logv(const char* format, va_list ap) {
  Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void rocks_logger::Logv(const rocksdb::InfoLogLevel level, const char* format,
                        va_list ap) {
  auto warning = level >= rocksdb::InfoLogLevel::WARN_LEVEL &&
                 level != rocksdb::InfoLogLevel::HEADER_LEVEL;
  auto lvl = !warning ? logging::level::debug
             : level == rocksdb::InfoLogLevel::WARN_LEVEL
                 ? logging::level::warning
                 : logging::level::error;
  if (lvl < logging::threshold() && !capturing_)
    return;
  char buffer[2048];
  va_list copy;
  va_copy(copy, ap);
  auto n = std::vsnprintf(buffer, sizeof(buffer), format, copy);
  va_end(copy);
  if (n < 0)
    return;
  std::string line{buffer};
  while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
    line.pop_back();
  logging::write(lvl, "rocksdb", line);
  if (warning) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (capturing_)
      captured_.push_back(std::move(line));
  }
}

void rocks_logger::start_capture() {
  std::lock_guard<std::mutex> guard{mtx_};
  capturing_ = true;
  captured_.clear();
}

std::vector<std::string> rocks_logger::stop_capture() {
  std::lock_guard<std::mutex> guard{mtx_};
  capturing_ = false;
  return std::move(captured_);
}

} // namespace warden::storage::detail
