#include "tests/support/power_loss_fs.hpp"

#include <algorithm>

#include "tests/support/detail/power_loss_model.hpp"

namespace warden::test {

namespace {

using detail::name_of;
using model_ptr = std::shared_ptr<power_loss_fs::model>;
using gate = power_loss_fs::model::gate;

rocksdb::IOStatus power_is_off() {
  return rocksdb::IOStatus::IOError("power cut");
}

rocksdb::IOStatus unsupported(const char* what) {
  return rocksdb::IOStatus::NotSupported(
      std::string{"power_loss_fs does not model "} + what);
}

/// A file opened for writing: appends grow its node, syncs make it durable.
class tracked_file final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  tracked_file(std::unique_ptr<rocksdb::FSWritableFile> file, model_ptr m,
               std::uint64_t id)
      : FSWritableFileOwnerWrapper(std::move(file)),
        model_(std::move(m)),
        id_(id) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    return append(data, [&](const rocksdb::Slice& part) {
      return target()->Append(part, options, dbg);
    });
  }

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }

  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, std::uint64_t,
                                     const rocksdb::IOOptions&,
                                     rocksdb::IODebugContext*) override {
    return unsupported("positioned appends (direct I/O)");
  }

  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, std::uint64_t,
                                     const rocksdb::IOOptions&,
                                     const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext*) override {
    return unsupported("positioned appends (direct I/O)");
  }

  rocksdb::IOStatus Truncate(std::uint64_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    return change("truncate", [&](power_loss_fs::model::node& n) {
      auto status = target()->Truncate(size, options, dbg);
      if (status.ok()) {
        n.size = size;
        n.durable = std::min(n.durable, size);
      }
      return status;
    });
  }

  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    return change("close", [&](power_loss_fs::model::node&) {
      return target()->Close(options, dbg);
    });
  }

  rocksdb::IOStatus Sync(const rocksdb::IOOptions&,
                         rocksdb::IODebugContext*) override {
    return make_durable("sync");
  }

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&,
                          rocksdb::IODebugContext*) override {
    return make_durable("fsync");
  }

  rocksdb::IOStatus RangeSync(std::uint64_t, std::uint64_t,
                              const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    // sync_file_range starts writeback and promises nothing after a cut.
    return change("range sync", [](power_loss_fs::model::node&) {
      return rocksdb::IOStatus::OK();
    });
  }

 private:
  model_ptr model_;
  std::uint64_t id_;

  template <class Write>
  rocksdb::IOStatus append(const rocksdb::Slice& data, Write write) {
    std::lock_guard<std::mutex> guard{model_->mtx};
    auto& n = model_->nodes[id_];
    switch (model_->enter()) {
    case gate::off:
      return power_is_off();
    case gate::interrupted: {
      // Part of the append reached the file when the power went.
      auto part = model_->below(data.size() + 1);
      if (write(rocksdb::Slice{data.data(), part}).ok())
        n.size += part;
      model_->cut("append " + name_of(n.path) + " " + std::to_string(part) +
                  "/" + std::to_string(data.size()));
      return power_is_off();
    }
    case gate::go:
      break;
    }
    auto status = write(data);
    if (status.ok())
      n.size += data.size();
    return status;
  }

  template <class Change>
  rocksdb::IOStatus change(const char* what, Change f) {
    std::lock_guard<std::mutex> guard{model_->mtx};
    auto& n = model_->nodes[id_];
    switch (model_->enter()) {
    case gate::off:
      return power_is_off();
    case gate::interrupted:
      model_->cut(std::string{what} + " " + name_of(n.path));
      return power_is_off();
    case gate::go:
      break;
    }
    return f(n);
  }

  rocksdb::IOStatus make_durable(const char* what) {
    return change(what, [](power_loss_fs::model::node& n) {
      n.durable = n.size;
      return rocksdb::IOStatus::OK();
    });
  }
};

/// A directory handle: its fsync makes the entries of the directory durable.
class tracked_directory final : public rocksdb::FSDirectoryWrapper {
 public:
  tracked_directory(std::unique_ptr<rocksdb::FSDirectory> dir, model_ptr m,
                    std::string path)
      : FSDirectoryWrapper(std::move(dir)),
        model_(std::move(m)),
        path_(std::move(path)) {}

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&,
                          rocksdb::IODebugContext*) override {
    std::lock_guard<std::mutex> guard{model_->mtx};
    switch (model_->enter()) {
    case gate::off:
      return power_is_off();
    case gate::interrupted:
      model_->cut("fsync directory " + path_);
      return power_is_off();
    case gate::go:
      break;
    }
    model_->sync_directory(path_);
    return rocksdb::IOStatus::OK();
  }

  rocksdb::IOStatus
  FsyncWithDirOptions(const rocksdb::IOOptions& options,
                      rocksdb::IODebugContext* dbg,
                      const rocksdb::DirFsyncOptions&) override {
    return Fsync(options, dbg);
  }

 private:
  model_ptr model_;
  std::string path_;
};

} // namespace

const char* to_string(tear_mode x) noexcept {
  switch (x) {
  case tear_mode::drop:
    return "drop";
  case tear_mode::torn_tail:
    return "torn_tail";
  case tear_mode::zeroed_tail:
    return "zeroed_tail";
  case tear_mode::scrambled_tail:
    return "scrambled_tail";
  }
  return "?";
}

power_loss_fs::power_loss_fs(std::uint64_t seed, tear_mode mode)
    : FileSystemWrapper(rocksdb::FileSystem::Default()),
      model_(std::make_shared<model>(seed, mode)) {}

power_loss_fs::~power_loss_fs() = default;

std::uint64_t power_loss_fs::operations() const {
  std::lock_guard<std::mutex> guard{model_->mtx};
  return model_->ops;
}

void power_loss_fs::cut_at_operation(std::uint64_t n) {
  std::lock_guard<std::mutex> guard{model_->mtx};
  model_->cut_at = n == 0 ? 0 : model_->ops + n;
}

void power_loss_fs::power_cut() {
  std::lock_guard<std::mutex> guard{model_->mtx};
  if (!model_->report)
    model_->cut("now");
}

void power_loss_fs::settle() {
  std::lock_guard<std::mutex> guard{model_->mtx};
  if (!model_->report)
    model_->cut("now");
  model_->apply_cut();
  for (auto* lock : model_->locks)
    target()
        ->UnlockFile(lock, rocksdb::IOOptions{}, nullptr)
        .PermitUncheckedError();
  model_->locks.clear();
}

rocksdb::IOStatus power_loss_fs::LockFile(const std::string& path,
                                          const rocksdb::IOOptions& options,
                                          rocksdb::FileLock** lock,
                                          rocksdb::IODebugContext* dbg) {
  auto status = target()->LockFile(path, options, lock, dbg);
  if (status.ok()) {
    std::lock_guard<std::mutex> guard{model_->mtx};
    model_->locks.insert(*lock);
  }
  return status;
}

rocksdb::IOStatus power_loss_fs::UnlockFile(rocksdb::FileLock* lock,
                                            const rocksdb::IOOptions& options,
                                            rocksdb::IODebugContext* dbg) {
  {
    std::lock_guard<std::mutex> guard{model_->mtx};
    if (model_->locks.erase(lock) == 0)
      return rocksdb::IOStatus::OK(); // released by settle()
  }
  return target()->UnlockFile(lock, options, dbg);
}

std::optional<power_cut_report> power_loss_fs::cut() const {
  std::lock_guard<std::mutex> guard{model_->mtx};
  return model_->report;
}

namespace {

/// Runs `f` as a write operation of `m` named `what`: refused once the
/// power is off; the operation that the cut interrupts does nothing.
template <class F>
rocksdb::IOStatus operation(power_loss_fs::model& m, const std::string& what,
                            F f) {
  std::lock_guard<std::mutex> guard{m.mtx};
  switch (m.enter()) {
  case gate::off:
    return power_is_off();
  case gate::interrupted:
    m.cut(what);
    return power_is_off();
  case gate::go:
    break;
  }
  return f();
}

} // namespace

rocksdb::IOStatus power_loss_fs::NewWritableFile(
    const std::string& path, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto p = detail::normal_path(path);
  return operation(*model_, "create " + name_of(p), [&] {
    auto existing = model_->adopt(p);
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto status = target()->NewWritableFile(path, options, &file, dbg);
    if (!status.ok())
      return status;
    std::uint64_t id = 0;
    if (existing) {
      // Opening truncates: taken as durable at once (see the header).
      id = *existing;
      model_->nodes[id].size = 0;
      model_->nodes[id].durable = 0;
    } else {
      id = model_->create(p);
    }
    *r = std::make_unique<tracked_file>(std::move(file), model_, id);
    return status;
  });
}

rocksdb::IOStatus power_loss_fs::ReopenWritableFile(
    const std::string& path, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto p = detail::normal_path(path);
  return operation(*model_, "reopen " + name_of(p), [&] {
    auto existing = model_->adopt(p);
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto status = target()->ReopenWritableFile(path, options, &file, dbg);
    if (!status.ok())
      return status;
    auto id = existing ? *existing : model_->create(p);
    *r = std::make_unique<tracked_file>(std::move(file), model_, id);
    return status;
  });
}

rocksdb::IOStatus power_loss_fs::ReuseWritableFile(
    const std::string&, const std::string&, const rocksdb::FileOptions&,
    std::unique_ptr<rocksdb::FSWritableFile>*, rocksdb::IODebugContext*) {
  return unsupported("reused files (WAL recycling)");
}

rocksdb::IOStatus
power_loss_fs::NewRandomRWFile(const std::string&, const rocksdb::FileOptions&,
                               std::unique_ptr<rocksdb::FSRandomRWFile>*,
                               rocksdb::IODebugContext*) {
  return unsupported("random read-write files");
}

rocksdb::IOStatus power_loss_fs::NewDirectory(
    const std::string& path, const rocksdb::IOOptions& options,
    std::unique_ptr<rocksdb::FSDirectory>* r, rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSDirectory> dir;
  auto status = target()->NewDirectory(path, options, &dir, dbg);
  if (status.ok())
    *r = std::make_unique<tracked_directory>(std::move(dir), model_,
                                             detail::normal_path(path));
  return status;
}

rocksdb::IOStatus power_loss_fs::DeleteFile(const std::string& path,
                                            const rocksdb::IOOptions& options,
                                            rocksdb::IODebugContext* dbg) {
  auto p = detail::normal_path(path);
  return operation(*model_, "delete " + name_of(p), [&] {
    auto id = model_->adopt(p);
    if (id)
      model_->save_before_unlink(*id);
    auto status = target()->DeleteFile(path, options, dbg);
    if (status.ok() && id)
      model_->unlinked(*id);
    return status;
  });
}

rocksdb::IOStatus power_loss_fs::RenameFile(const std::string& from,
                                            const std::string& to,
                                            const rocksdb::IOOptions& options,
                                            rocksdb::IODebugContext* dbg) {
  auto f = detail::normal_path(from);
  auto t = detail::normal_path(to);
  return operation(*model_, "rename " + name_of(f) + " " + name_of(t), [&] {
    auto moved = model_->adopt(f);
    auto replaced = model_->adopt(t);
    if (replaced)
      model_->save_before_unlink(*replaced);
    auto status = target()->RenameFile(from, to, options, dbg);
    if (!status.ok() || !moved)
      return status;
    if (replaced)
      model_->unlinked(*replaced);
    model_->renamed(*moved, f, t);
    return status;
  });
}

rocksdb::IOStatus power_loss_fs::LinkFile(const std::string&,
                                          const std::string&,
                                          const rocksdb::IOOptions&,
                                          rocksdb::IODebugContext*) {
  return unsupported("hard links");
}

rocksdb::IOStatus power_loss_fs::Truncate(const std::string& path, size_t size,
                                          const rocksdb::IOOptions& options,
                                          rocksdb::IODebugContext* dbg) {
  auto p = detail::normal_path(path);
  return operation(*model_, "truncate " + name_of(p), [&] {
    auto id = model_->adopt(p);
    auto status = target()->Truncate(path, size, options, dbg);
    if (status.ok() && id) {
      auto& n = model_->nodes[*id];
      n.size = size;
      n.durable = std::min<std::uint64_t>(n.durable, size);
    }
    return status;
  });
}

rocksdb::IOStatus power_loss_fs::CreateDir(const std::string& path,
                                           const rocksdb::IOOptions& options,
                                           rocksdb::IODebugContext* dbg) {
  return operation(*model_, "mkdir " + path,
                   [&] { return target()->CreateDir(path, options, dbg); });
}

rocksdb::IOStatus
power_loss_fs::CreateDirIfMissing(const std::string& path,
                                  const rocksdb::IOOptions& options,
                                  rocksdb::IODebugContext* dbg) {
  return operation(*model_, "mkdir " + path, [&] {
    return target()->CreateDirIfMissing(path, options, dbg);
  });
}

rocksdb::IOStatus power_loss_fs::DeleteDir(const std::string& path,
                                           const rocksdb::IOOptions& options,
                                           rocksdb::IODebugContext* dbg) {
  return operation(*model_, "rmdir " + path,
                   [&] { return target()->DeleteDir(path, options, dbg); });
}

} // namespace warden::test
