#include "storage/journal.hpp"

#include <algorithm>
#include <tuple>

#include "policies/daily_budget.hpp"
#include "policies/placement.hpp"
#include "storage/detail/batch.hpp"
#include "storage/keys.hpp"

namespace warden::storage {

const char* to_string(failure_kind x) noexcept {
  switch (x) {
  case failure_kind::damaged:
    return "damaged";
  case failure_kind::unavailable:
    return "unavailable";
  case failure_kind::invalid:
    return "invalid";
  }
  return "unknown";
}

const char* to_string(entry_kind x) noexcept {
  switch (x) {
  case entry_kind::run_accepted:
    return "run_accepted";
  case entry_kind::model_step:
    return "model_step";
  case entry_kind::tool_started:
    return "tool_started";
  case entry_kind::tool_finished:
    return "tool_finished";
  case entry_kind::run_final:
    return "run_final";
  case entry_kind::run_record:
    return "run_record";
  case entry_kind::session_checkpoint:
    return "session_checkpoint";
  }
  return "unknown";
}

namespace detail {

bool carries_run_record(entry_kind x) noexcept {
  return x == entry_kind::run_accepted || x == entry_kind::run_record;
}

std::optional<storage_error>
decode_run_records(const std::vector<journal_entry>& batch,
                   std::vector<stored_run>& out) {
  out.clear();
  for (const auto& e : batch) {
    // A kind this build does not know (entry_kind comes off the network in
    // imports) would be written, then refused by every later read of the
    // run's journal.
    if (!known_entry_kind(static_cast<std::uint8_t>(e.kind)))
      return storage_error{"journal append",
                           "an entry of run " + std::to_string(e.run) +
                               " has the unknown kind " +
                               std::to_string(static_cast<int>(e.kind)),
                           failure_kind::invalid};
    if (e.kind == entry_kind::session_checkpoint && e.payload.size() < 8)
      return storage_error{"journal append",
                           "a session_checkpoint entry of run " +
                               std::to_string(e.run) +
                               " is shorter than its session id",
                           failure_kind::invalid};
    if (!carries_run_record(e.kind))
      continue;
    stored_run record;
    auto subject = "the " + std::string{to_string(e.kind)} + " entry of run " +
                   std::to_string(e.run);
    if (auto err = decode(e.payload, record))
      return storage_error{"journal append",
                           subject + " holds no run record: " + err->message,
                           failure_kind::invalid};
    if (record.run != e.run)
      return storage_error{"journal append",
                           subject + " holds the record of run " +
                               std::to_string(record.run),
                           failure_kind::invalid};
    out.push_back(std::move(record));
  }
  return std::nullopt;
}

std::uint64_t daily_tokens_of(const stored_run& x, bool was_final) noexcept {
  if (!x.final || was_final || (x.parent != 0 && !x.counts_own_tokens))
    return 0;
  return policies::saturating_add(x.usage.prompt_tokens,
                                  x.usage.completion_tokens);
}

} // namespace detail

std::optional<storage_error>
memory_journal::append(const std::vector<journal_entry>& batch) {
  auto copy = batch;
  return append_owned(std::move(copy));
}

std::optional<storage_error>
memory_journal::append_owned(std::vector<journal_entry>&& batch) {
  std::vector<stored_run> records;
  if (auto err = detail::decode_run_records(batch, records))
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  auto record = records.begin();
  for (auto& e : batch) {
    if (e.kind == entry_kind::session_checkpoint)
      continue; // see entry_kind::session_checkpoint
    if (detail::carries_run_record(e.kind)) {
      auto& x = *record++;
      marks_.run = std::max(marks_.run, policies::counter_of(x.run));
      marks_.session =
          std::max(marks_.session, policies::counter_of(x.session));
      if (e.kind == entry_kind::run_accepted && !x.idempotency_key.empty())
        idempotency_[keys::idempotency(idempotency_tenant(x),
                                       x.idempotency_key)] = x.run;
      auto& stored = runs_[x.run];
      if (auto tokens = detail::daily_tokens_of(x, stored.final)) {
        auto& counter = budgets_[policies::utc_day(x.finished_at_ms)][x.tenant];
        counter = policies::saturating_add(counter, tokens);
      }
      stored = std::move(x);
    }
    entries_[e.run].push_back(std::move(e));
    ++size_;
  }
  return std::nullopt;
}

read_result<std::vector<journal_entry>>
memory_journal::entries_of(std::uint64_t run) const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto i = entries_.find(run); i != entries_.end())
    return {i->second, std::nullopt};
  return {};
}

read_result<std::map<std::string, std::uint64_t>>
memory_journal::daily_tokens(std::uint64_t day) const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto i = budgets_.find(day); i != budgets_.end())
    return {i->second, std::nullopt};
  return {};
}

read_result<std::optional<stored_run>>
memory_journal::find_run(std::uint64_t run) const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto i = runs_.find(run); i != runs_.end())
    return {i->second, std::nullopt};
  return {};
}

read_result<std::optional<std::uint64_t>>
memory_journal::find_idempotent(const std::string& tenant,
                                const std::string& key) const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto i = idempotency_.find(keys::idempotency(tenant, key));
      i != idempotency_.end())
    return {i->second, std::nullopt};
  return {};
}

read_result<std::vector<stored_run>> memory_journal::unfinished_runs() const {
  read_result<std::vector<stored_run>> result;
  std::lock_guard<std::mutex> guard{mtx_};
  for (const auto& [id, x] : runs_)
    if (!x.final)
      result.value.push_back(x);
  std::sort(result.value.begin(), result.value.end(),
            [](const auto& a, const auto& b) { return a.run < b.run; });
  return result;
}

read_result<id_watermarks> memory_journal::watermarks() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return {marks_, std::nullopt};
}

read_result<std::uint64_t> memory_journal::expire(std::uint64_t cutoff_ms,
                                                  std::uint64_t max_runs) {
  std::lock_guard<std::mutex> guard{mtx_};
  budgets_.erase(budgets_.begin(),
                 budgets_.lower_bound(policies::utc_day(cutoff_ms)));
  // Oldest first, as the RocksDB retention index orders them.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> due;
  for (const auto& [id, x] : runs_)
    if (x.final && x.finished_at_ms < cutoff_ms)
      due.emplace_back(x.finished_at_ms, id);
  std::sort(due.begin(), due.end());
  if (due.size() > max_runs)
    due.resize(static_cast<std::size_t>(max_runs));
  for (const auto& [finished_at, id] : due) {
    auto i = runs_.find(id);
    const auto& x = i->second;
    if (!x.idempotency_key.empty()) {
      auto j = idempotency_.find(
          keys::idempotency(idempotency_tenant(x), x.idempotency_key));
      if (j != idempotency_.end() && j->second == id)
        idempotency_.erase(j);
    }
    runs_.erase(i);
    if (auto j = entries_.find(id); j != entries_.end()) {
      size_ -= j->second.size();
      entries_.erase(j);
    }
  }
  return {due.size(), std::nullopt};
}

std::uint64_t memory_journal::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return size_;
}

} // namespace warden::storage
