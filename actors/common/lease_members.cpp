#include "actors/common/lease_members.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <prometheus/counter.h>

namespace warden {

std::chrono::milliseconds
lease_tick_interval(std::chrono::milliseconds ttl) noexcept {
  return std::clamp(ttl / 60, std::chrono::milliseconds{10},
                    std::chrono::milliseconds{100});
}

policies::lease_generation
first_lease_generation(std::uint32_t member, std::uint64_t& made) noexcept {
  // Below the milliseconds: 5 bits of member index (max_lease_holders is
  // 32) and 11 of the count (2,048 ledgers made by one owner in one ms).
  return (policies::system_unix_ms() << 16) +
         (static_cast<std::uint64_t>(member % policies::max_lease_holders)
          << 11) +
         (++made & 0x7FF);
}

void add_units(prometheus::Counter* counter, std::uint64_t units) noexcept {
  if (counter != nullptr && units > 0)
    counter->Increment(static_cast<double>(units));
}

bool sent_by_member(const caf::local_actor* self,
                    const std::vector<caf::actor>& nodes,
                    const caf::strong_actor_ptr& sender) {
  if (!sender)
    return false;
  if (sender->node() == self->node())
    return true;
  return std::any_of(nodes.begin(), nodes.end(), [&](const caf::actor& x) {
    return x && x->node() == sender->node();
  });
}

std::optional<std::uint32_t>
lease_home_of(const std::optional<policies::placement>& placement,
              const std::vector<caf::actor>& nodes, std::uint32_t self,
              const std::string& name) {
  if (!placement)
    return std::nullopt;
  std::uint32_t up = 0;
  for (std::size_t i = 0; i < nodes.size() && i < 32; ++i)
    if (nodes[i] || i == self)
      up |= std::uint32_t{1} << i;
  auto home = placement->home_of(name, up);
  if (!home)
    return std::nullopt;
  return static_cast<std::uint32_t>(*home);
}

lease_grant grant_of(const lease_ask& ask, std::uint32_t home,
                     const policies::lease_answer& answer,
                     const lease_metrics& metrics) {
  if (answer.units > 0) {
    add_units(metrics.grants, 1);
    add_units(metrics.granted_units, answer.units);
  }
  lease_grant reply;
  reply.limit = ask.limit;
  reply.home = home;
  reply.ask = ask.ask;
  reply.outcome = static_cast<std::uint8_t>(answer.outcome);
  reply.units = answer.units;
  reply.granted_total = answer.granted_total;
  reply.held = answer.held;
  reply.generation = answer.generation;
  reply.ttl_ms = static_cast<std::uint64_t>(
      std::chrono::ceil<std::chrono::milliseconds>(answer.ttl).count());
  return reply;
}

policies::lease_answer answer_of(const lease_grant& msg,
                                 policies::lease_mode mode) {
  policies::lease_answer answer;
  answer.outcome = static_cast<policies::lease_outcome>(msg.outcome);
  answer.units = msg.units;
  answer.granted_total = msg.granted_total;
  answer.held = msg.held;
  answer.generation = msg.generation;
  answer.ttl = std::chrono::milliseconds{msg.ttl_ms};
  answer.mode = mode;
  return answer;
}

void send_recalls(
    caf::event_based_actor* self, const std::string& name, std::uint32_t home,
    const std::array<caf::actor, policies::max_lease_holders>& holders,
    const policies::lease_ledger& ledger, std::uint32_t except) {
  for (std::uint32_t i = 0; i < holders.size(); ++i)
    if (i != except && holders[i] && ledger.leased_to(i) > 0)
      self->send(holders[i], lease_recall{name, home});
}

} // namespace warden
