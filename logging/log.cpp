#include "logging/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace warden::logging {

namespace {

std::mutex& lock() {
  static std::mutex instance;
  return instance;
}

sink& current_sink() {
  static sink instance;
  return instance;
}

std::atomic<level>& current_threshold() {
  static std::atomic<level> instance{level::info};
  return instance;
}

/// `2026-12-05T09:16:12.345Z`.
std::string utc_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto seconds = system_clock::to_time_t(now);
  auto millis =
      duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  auto n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

void print(level lvl, std::string_view component, std::string_view message) {
  auto stamp = utc_now();
  // One fprintf per line, so that lines of other writers never interleave
  // inside it; a failed write (a closed or full stderr) is not news.
  std::fprintf(stderr, "%s %s %.*s: %.*s\n", stamp.c_str(), to_string(lvl),
               static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
}

} // namespace

const char* to_string(level x) noexcept {
  switch (x) {
  case level::debug:
    return "debug";
  case level::info:
    return "info";
  case level::warning:
    return "warning";
  case level::error:
    return "error";
  }
  return "unknown";
}

void write(level lvl, std::string_view component, std::string_view message) {
  if (lvl < current_threshold().load(std::memory_order_relaxed))
    return;
  std::lock_guard<std::mutex> guard{lock()};
  if (auto& s = current_sink())
    s(lvl, component, message);
  else
    print(lvl, component, message);
}

void set_threshold(level lvl) noexcept {
  current_threshold().store(lvl, std::memory_order_relaxed);
}

level threshold() noexcept {
  return current_threshold().load(std::memory_order_relaxed);
}

sink set_sink(sink next) {
  std::lock_guard<std::mutex> guard{lock()};
  auto previous = std::move(current_sink());
  current_sink() = std::move(next);
  return previous;
}

} // namespace warden::logging
