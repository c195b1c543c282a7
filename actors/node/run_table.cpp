#include "actors/node/run_table.hpp"

#include "logging/log.hpp"

namespace warden {

const char* to_string(run_phase x) noexcept {
  switch (x) {
  case run_phase::submitted:
    return "submitted";
  case run_phase::recovered:
    return "recovered";
  case run_phase::resuming:
    return "resuming";
  case run_phase::queued:
    return "queued";
  case run_phase::admitted:
    return "admitted";
  case run_phase::running:
    return "running";
  case run_phase::finishing:
    return "finishing";
  case run_phase::final:
    return "final";
  }
  return "unknown";
}

bool run_table::legal(run_phase from, run_phase to) noexcept {
  using p = run_phase;
  switch (from) {
  case p::submitted:
    return to == p::queued || to == p::admitted || to == p::final;
  case p::recovered:
    return to == p::resuming || to == p::finishing;
  case p::resuming:
    return to == p::queued || to == p::admitted || to == p::recovered ||
           to == p::finishing;
  case p::queued:
    return to == p::admitted || to == p::finishing;
  case p::admitted:
    return to == p::running || to == p::finishing;
  case p::running:
    return to == p::finishing;
  case p::finishing:
    return to == p::final;
  case p::final:
    return false;
  }
  return false;
}

bool run_table::in_resume_window(const run_record& r) noexcept {
  if (r.origin != run_origin::recovered || r.tree.is_child())
    return false;
  switch (r.phase) {
  case run_phase::resuming:
  case run_phase::queued:
  case run_phase::admitted:
  case run_phase::running:
    return true;
  default:
    return false;
  }
}

run_record& run_table::add(run_id id, run_origin origin, run_phase phase,
                           record_state record) {
  auto& r = runs_[id];
  r.status.run = id;
  r.origin = origin;
  r.phase = phase;
  r.record = record;
  if (in_resume_window(r))
    ++resuming_;
  return r;
}

bool run_table::advance(run_record& r, run_phase to) {
  if (!legal(r.phase, to)) {
    logging::error("node", "run " + std::to_string(r.status.run) +
                               ": illegal step from " + to_string(r.phase) +
                               " to " + to_string(to) + " ignored");
    return false;
  }
  auto counted = in_resume_window(r);
  r.phase = to;
  if (counted != in_resume_window(r)) {
    if (counted)
      --resuming_;
    else
      ++resuming_;
  }
  return true;
}

void run_table::record_written(run_record& r, record_state to) {
  if (static_cast<int>(to) > static_cast<int>(r.record))
    r.record = to;
}

run_record* run_table::find(run_id id) {
  auto i = runs_.find(id);
  return i == runs_.end() ? nullptr : &i->second;
}

const run_record* run_table::find(run_id id) const {
  auto i = runs_.find(id);
  return i == runs_.end() ? nullptr : &i->second;
}

void run_table::erase(run_id id) {
  auto i = runs_.find(id);
  if (i == runs_.end())
    return;
  if (in_resume_window(i->second))
    --resuming_;
  runs_.erase(i);
}

} // namespace warden
