// An operator's pause of a tenant (`pause_tenant`): its new runs wait in the
// queue, accepted and acknowledged as always, until it is resumed; what it
// has admitted, and the child runs of those trees, go on. The queue policy
// decides (policies::admission::pause); here: the answer, the gauge and the
// log line.

#include <caf/all.hpp>

#include "actors/admission/admission.hpp"
#include "actors/protocol/error.hpp"

#include "logging/log.hpp"

namespace warden {

caf::expected<tenant_pause_state>
admission_state::set_paused(const pause_tenant& msg) {
  // A tenant without a table but with the default tier is admitted, so it
  // may be paused too (and is kept while paused).
  auto* tenant = tenant_for(msg.tenant);
  if (tenant == nullptr)
    return make_error(error_code::not_found, not_admitted(msg.tenant));
  auto id = tenant->id;
  auto changed = queue_->paused(id) != msg.paused;
  if (msg.paused) {
    queue_->pause(id);
  } else {
    admitted_.clear();
    queue_->resume(id, admitted_);
    announce(admitted_);
  }
  tenant_pause_state now{msg.tenant, msg.paused, queue_->queued(id)};
  if (changed) {
    show_paused(*tenant, msg.paused);
    auto waiting = std::to_string(now.queued) +
                   (now.queued == 1 ? " run" : " runs") + " waiting";
    logging::info("admission", "tenant " + msg.tenant +
                                   (msg.paused ? " paused" : " resumed") +
                                   " by an operator (" + waiting + ")");
  }
  forget_if_idle(tenant); // a tenant without a table, resumed and idle
  refresh_gauges();
  arm_refresh();
  return now;
}

void admission_state::show_paused(admission_tenant& tenant, bool paused) {
  if (tenant.paused == nullptr)
    return;
  if (tenant.configured)
    tenant.paused->Set(paused ? 1 : 0);
  else if (paused)
    tenant.paused->Increment();
  else
    tenant.paused->Decrement();
}

} // namespace warden
