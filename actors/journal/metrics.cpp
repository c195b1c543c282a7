#include "actors/journal/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace warden {

journal_metrics journal_metrics::create(prometheus::Registry& registry) {
  journal_metrics result;
  auto& failures =
      prometheus::BuildCounter()
          .Name("warden_journal_append_failures_total")
          .Help("Journal batches that could not be written, by the kind of "
                "storage failure")
          .Register(registry);
  for (auto kind :
       {storage::failure_kind::damaged, storage::failure_kind::unavailable,
        storage::failure_kind::invalid})
    result.append_failures[static_cast<std::size_t>(kind)] =
        &failures.Add({{"kind", storage::to_string(kind)}});
  result.batches = &prometheus::BuildCounter()
                        .Name("warden_journal_batches_total")
                        .Help("Journal batches written (one synced write each)")
                        .Register(registry)
                        .Add({});
  result.expired =
      &prometheus::BuildCounter()
           .Name("warden_journal_expired_runs_total")
           .Help("Final runs deleted by retention ([storage] retention_ms); "
                 "it follows warden_runs_finished_total when retention keeps "
                 "up")
           .Register(registry)
           .Add({});
  result.writable =
      &prometheus::BuildGauge()
           .Name("warden_storage_writable")
           .Help("1 while the node's storage takes writes; 0 while it refuses "
                 "them (a full disk, an I/O error) and new work is refused")
           .Register(registry)
           .Add({});
  result.writable->Set(1);
  return result;
}

void journal_metrics::count_failure(storage::failure_kind kind) const {
  auto index = static_cast<std::size_t>(kind);
  if (index < append_failures.size() && append_failures[index])
    append_failures[index]->Increment();
}

void journal_metrics::count_batch() const {
  if (batches)
    batches->Increment();
}

void journal_metrics::count_expired(std::uint64_t runs) const {
  if (expired && runs > 0)
    expired->Increment(static_cast<double>(runs));
}

void journal_metrics::set_writable(bool yes) const {
  if (writable)
    writable->Set(yes ? 1 : 0);
}

} // namespace warden
