#pragma once

// Fetching metric handles at startup (never on a hot path).

#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace warden::detail {

/// The counter `name` with `labels` in `registry`, registering its family
/// (with `help`) on first use. Call at startup only.
inline prometheus::Counter* counter_handle(prometheus::Registry& registry,
                                           const char* name, const char* help,
                                           const prometheus::Labels& labels) {
  return &prometheus::BuildCounter()
              .Name(name)
              .Help(help)
              .Register(registry)
              .Add(labels);
}

} // namespace warden::detail
