#include "storage/journal.hpp"

namespace warden::storage {

const char* to_string(entry_kind x) noexcept {
  switch (x) {
  case entry_kind::run_accepted:
    return "run_accepted";
  case entry_kind::run_admitted:
    return "run_admitted";
  case entry_kind::model_step:
    return "model_step";
  case entry_kind::tool_started:
    return "tool_started";
  case entry_kind::tool_finished:
    return "tool_finished";
  case entry_kind::child_spawned:
    return "child_spawned";
  case entry_kind::budget_charge:
    return "budget_charge";
  case entry_kind::run_final:
    return "run_final";
  }
  return "unknown";
}

std::optional<storage_error>
memory_journal::append(const std::vector<journal_entry>& batch) {
  entries_.insert(entries_.end(), batch.begin(), batch.end());
  return std::nullopt;
}

std::vector<journal_entry> memory_journal::entries_of(std::uint64_t run) const {
  std::vector<journal_entry> result;
  for (const auto& e : entries_)
    if (e.run == run)
      result.push_back(e);
  return result;
}

} // namespace warden::storage
