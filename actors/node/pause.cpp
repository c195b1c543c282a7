// An operator's pause of a tenant: the node checks the request and hands it
// to admission, which holds the pause (actors/admission/pause.cpp); the
// answer tells the node which tenants are paused, so that their queued root
// runs say why they wait. Private to the node actor.

#include <caf/all.hpp>

#include "actors/node/detail/requests.hpp"

namespace warden::detail {

caf::result<tenant_pause_state> on_pause_tenant(node_ptr self,
                                                const pause_tenant& req) {
  if (auto err = sender_lost(self))
    return err;
  if (auto err = check_tenant(self, req.tenant))
    return err;
  auto promise = self->make_response_promise();
  // One request per operator command: admission answers at once, and
  // without a bound the node's copy of the pause never misses an answer.
  self->request(self->state.components.admission, caf::infinite, req)
      .then(
          [self, promise](tenant_pause_state& now) mutable {
            auto& paused = self->state.paused_tenants;
            if (now.paused)
              paused.insert(now.tenant);
            else
              paused.erase(now.tenant);
            promise.deliver(std::move(now));
          },
          [promise](caf::error& err) mutable {
            promise.deliver(std::move(err));
          });
  return promise;
}

std::optional<std::string> pause_reason(const node_state& st,
                                        const run_record& r) {
  if (r.phase != run_phase::queued || r.tree.is_child() ||
      st.paused_tenants.count(r.status.tenant) == 0)
    return std::nullopt;
  return "tenant " + r.status.tenant +
         " is paused by an operator: its new runs wait in the queue until "
         "it is resumed";
}

} // namespace warden::detail
