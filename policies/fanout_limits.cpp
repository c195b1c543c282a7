#include "policies/fanout_limits.hpp"

namespace warden::policies {

const char* to_string(fanout_refusal x) noexcept {
  switch (x) {
  case fanout_refusal::unknown_parent:
    return "unknown_parent";
  case fanout_refusal::duplicate_child:
    return "duplicate_child";
  case fanout_refusal::depth:
    return "depth";
  case fanout_refusal::children:
    return "children";
  case fanout_refusal::descendants:
    return "descendants";
  }
  return "unknown";
}

namespace {

fanout_decision refuse(fanout_refusal why, std::string reason) {
  return fanout_decision{why, std::move(reason)};
}

} // namespace

fanout_limits::fanout_limits(fanout_limits_config config, node_id root)
    : config_(config) {
  nodes_.emplace(root, node{});
}

fanout_decision fanout_limits::check(node_id parent) const {
  auto i = nodes_.find(parent);
  if (i == nodes_.end())
    return refuse(fanout_refusal::unknown_parent,
                  "parent session " + std::to_string(parent) +
                      " is not a live member of this run");
  const auto& p = i->second;
  if (p.depth + 1 > config_.max_depth)
    return refuse(fanout_refusal::depth,
                  "a child would sit at depth " + std::to_string(p.depth + 1) +
                      ", above max_depth " + std::to_string(config_.max_depth));
  if (p.live_children >= config_.max_children)
    return refuse(fanout_refusal::children,
                  "parent session " + std::to_string(parent) + " already has " +
                      std::to_string(p.live_children) +
                      " live children, the max_children limit");
  if (descendants_ >= config_.max_descendants)
    return refuse(fanout_refusal::descendants,
                  "this run already spawned " + std::to_string(descendants_) +
                      " sessions, the max_descendants limit");
  return {};
}

fanout_decision fanout_limits::spawn(node_id parent, node_id child) {
  if (nodes_.count(child) > 0)
    return refuse(fanout_refusal::duplicate_child,
                  "session " + std::to_string(child) +
                      " is already part of this run");
  auto decision = check(parent);
  if (!decision.allowed())
    return decision;
  auto& p = nodes_[parent];
  ++p.live_children;
  ++descendants_;
  nodes_.emplace(child, node{parent, p.depth + 1, 0});
  return decision;
}

void fanout_limits::finish(node_id id) {
  auto i = nodes_.find(id);
  if (i == nodes_.end())
    return;
  if (i->second.parent) {
    if (auto p = nodes_.find(*i->second.parent); p != nodes_.end())
      --p->second.live_children;
  }
  nodes_.erase(i);
}

std::optional<std::uint32_t> fanout_limits::depth(node_id id) const {
  if (auto i = nodes_.find(id); i != nodes_.end())
    return i->second.depth;
  return std::nullopt;
}

std::uint32_t fanout_limits::live_children(node_id id) const {
  if (auto i = nodes_.find(id); i != nodes_.end())
    return i->second.live_children;
  return 0;
}

} // namespace warden::policies
