#include "policies/doom_loop.hpp"

#include <functional>

namespace warden::policies {

const char* to_string(doom_verdict x) noexcept {
  switch (x) {
  case doom_verdict::ok:
    return "ok";
  case doom_verdict::warn:
    return "warn";
  case doom_verdict::nudge:
    return "nudge";
  case doom_verdict::halt:
    return "halt";
  }
  return "unknown";
}

const char* to_string(doom_cause x) noexcept {
  switch (x) {
  case doom_cause::none:
    return "none";
  case doom_cause::repeated_call:
    return "repeated_call";
  case doom_cause::unparseable:
    return "unparseable";
  }
  return "unknown";
}

namespace {

std::uint64_t hash_of(std::string_view x) noexcept {
  return static_cast<std::uint64_t>(std::hash<std::string_view>{}(x));
}

// Hashes the pair so that ("ab", "c") and ("a", "bc") differ: each string is
// hashed on its own, then the two hashes are mixed (boost::hash_combine's
// recipe with a 64-bit constant).
std::uint64_t call_key(std::string_view tool, std::string_view args) noexcept {
  auto seed = hash_of(tool);
  seed ^= hash_of(args) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  return seed;
}

} // namespace

doom_loop::doom_loop(doom_loop_config config, const clock& clock)
    : config_(config), clock_(&clock) {}

doom_decision doom_loop::observe_call(std::string_view tool_name,
                                      std::string_view normalized_arguments) {
  if (halted_)
    return halt_decision_;
  streaks_.erase(hash_of(tool_name));
  if (config_.repeat_threshold == 0 || config_.window_calls == 0)
    return {};
  auto now = clock_->now();
  expire(now);
  if (ring_.empty())
    ring_.resize(config_.window_calls);
  if (size_ == ring_.size())
    pop_oldest();
  auto key = call_key(tool_name, normalized_arguments);
  ring_[(head_ + size_) % ring_.size()] = call{key, now};
  ++size_;
  auto count = ++counts_[key];
  if (count < config_.repeat_threshold)
    return {};
  return detect(doom_cause::repeated_call, tool_name, count);
}

doom_decision doom_loop::observe_unparseable(std::string_view tool_name) {
  if (halted_)
    return halt_decision_;
  if (config_.unparseable_threshold == 0)
    return {};
  auto streak = ++streaks_[hash_of(tool_name)];
  if (streak < config_.unparseable_threshold)
    return {};
  return detect(doom_cause::unparseable, tool_name, streak);
}

void doom_loop::reset() {
  head_ = 0;
  size_ = 0;
  counts_.clear();
  streaks_.clear();
  detections_ = 0;
}

void doom_loop::expire(time_point now) {
  if (config_.window_time <= duration::zero())
    return;
  // A call made exactly window_time ago has left the window. Compare
  // durations rather than computing now - window_time, which could underflow.
  while (size_ > 0 && now - ring_[head_].at >= config_.window_time)
    pop_oldest();
}

void doom_loop::pop_oldest() {
  auto i = counts_.find(ring_[head_].key);
  if (i != counts_.end() && --i->second == 0)
    counts_.erase(i);
  head_ = (head_ + 1) % ring_.size();
  --size_;
}

doom_decision doom_loop::detect(doom_cause cause, std::string_view tool_name,
                                std::uint32_t count) {
  ++detections_;
  doom_decision result;
  result.cause = cause;
  result.count = count;
  std::uint64_t warn = config_.warn_detections;
  std::uint64_t nudge = warn + config_.nudge_detections;
  if (detections_ <= warn)
    result.verdict = doom_verdict::warn;
  else if (detections_ <= nudge)
    result.verdict = doom_verdict::nudge;
  else
    result.verdict = doom_verdict::halt;
  std::string tool{"tool '"};
  tool += tool_name;
  tool += '\'';
  if (cause == doom_cause::repeated_call)
    result.reason = tool + " was called " + std::to_string(count) +
                    " times with the same arguments within the last " +
                    std::to_string(config_.window_calls) +
                    " calls (repeat_threshold " +
                    std::to_string(config_.repeat_threshold) + ")";
  else
    result.reason = tool + " sent " + std::to_string(count) +
                    " unparseable argument payloads in a row "
                    "(unparseable_threshold " +
                    std::to_string(config_.unparseable_threshold) + ")";
  result.reason += "; detection " + std::to_string(detections_) + ": " +
                   to_string(result.verdict);
  if (result.verdict == doom_verdict::halt) {
    halted_ = true;
    halt_decision_ = result;
  }
  return result;
}

} // namespace warden::policies
