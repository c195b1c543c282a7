#include "config/cluster.hpp"

#include <algorithm>

namespace warden::config {

std::size_t cluster_settings::index_of(std::string_view name) const noexcept {
  auto member = std::find_if(nodes.begin(), nodes.end(),
                             [&](const auto& x) { return x.name == name; });
  return static_cast<std::size_t>(member - nodes.begin());
}

} // namespace warden::config
