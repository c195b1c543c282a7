#include "storage/detail/rocks_health.hpp"

#include "logging/log.hpp"

namespace warden::storage::detail {

namespace {

const char* to_string(rocksdb::BackgroundErrorReason x) noexcept {
  switch (x) {
  case rocksdb::BackgroundErrorReason::kFlush:
    return "a flush";
  case rocksdb::BackgroundErrorReason::kCompaction:
    return "a compaction";
  case rocksdb::BackgroundErrorReason::kWriteCallback:
    return "a write";
  case rocksdb::BackgroundErrorReason::kMemTable:
    return "a memtable insert";
  case rocksdb::BackgroundErrorReason::kManifestWrite:
    return "a MANIFEST write";
  case rocksdb::BackgroundErrorReason::kFlushNoWAL:
    return "a flush without WAL";
  case rocksdb::BackgroundErrorReason::kManifestWriteNoWAL:
    return "a MANIFEST write without WAL";
  }
  return "a background job";
}

} // namespace

void rocks_health::failed(const std::string& why) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto was = writable_.exchange(false, std::memory_order_acq_rel);
  ever_failed_.store(true, std::memory_order_release);
  reason_ = why;
  if (was)
    logging::error("storage", "writes stopped: " + why);
}

void rocks_health::recovered() {
  std::lock_guard<std::mutex> guard{mtx_};
  auto was = writable_.exchange(true, std::memory_order_acq_rel);
  if (!was)
    logging::info("storage", "writes resumed after: " + reason_);
  reason_.clear();
}

store_health rocks_health::get() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return {writable_.load(std::memory_order_acquire), reason_};
}

void health_listener::OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                                        rocksdb::Status* bg_error) {
  if (bg_error == nullptr || bg_error->ok())
    return;
  health_->failed(std::string{to_string(reason)} +
                  " failed: " + bg_error->ToString());
}

void health_listener::OnErrorRecoveryEnd(
    const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (info.new_bg_error.ok())
    health_->recovered();
  else
    health_->failed("recovery from `" + info.old_bg_error.ToString() +
                    "` failed: " + info.new_bg_error.ToString());
}

} // namespace warden::storage::detail
