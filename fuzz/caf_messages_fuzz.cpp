// Fuzz target: CAF deserialization of every message type that
// warden::add_message_types registers (what a node reads from another
// process), of a whole caf::message (type names, then values, as CAF's
// network layer reads a message), and of a stored session snapshot
// (decode_snapshot). The first input byte picks the type, in the order of
// the registered names; the rest is the serialized value. A value that
// deserializes must serialize to bytes that deserialize to a value that
// serializes to the same bytes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/protocol/messages.hpp"
#include "actors/session/registry.hpp"

#include "fuzz/support.hpp"

namespace {

using warden::fuzz::require;

struct context {
  caf::actor_system_config cfg;
  caf::actor_system* sys = nullptr;
  /// The registered warden types, by name.
  std::vector<std::string> types;

  context() {
    warden::add_message_types(cfg);
    // Deserialization needs the system, not its scheduler.
    cfg.set("scheduler.max-threads", 1);
    for (const auto& [name, factory] : cfg.value_factories_by_name)
      if (name.rfind("warden.", 0) == 0)
        types.push_back(name);
    std::sort(types.begin(), types.end());
    // add_message_types registers more than 50 types; finding none means
    // the lookup above broke, and fuzzing would test nothing.
    require(types.size() >= 50, "the registered message types are missing");
    sys = new caf::actor_system{cfg};
  }
};

context& ctx() {
  static context instance;
  return instance;
}

/// Serializes `x` (anything a binary_serializer takes).
template <class T>
std::vector<char> save(caf::actor_system& sys, T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto err = sink(x);
  require(!err, "a deserialized value does not serialize");
  return buf;
}

void registered_type(caf::actor_system& sys, const std::string& name,
                     const char* data, std::size_t size) {
  auto value = sys.types().make_value(name);
  require(value != nullptr, "a registered type cannot be made");
  caf::binary_deserializer source{sys, data, size};
  if (value->load(source))
    return;
  static_cast<void>(value->stringify());
  std::vector<char> first;
  {
    caf::binary_serializer sink{sys, first};
    require(!value->save(sink), "a deserialized value does not serialize");
  }
  auto copy = sys.types().make_value(name);
  caf::binary_deserializer again{sys, first};
  require(!copy->load(again) && again.remaining() == 0,
          "a serialized value does not deserialize");
  std::vector<char> second;
  caf::binary_serializer sink{sys, second};
  require(!copy->save(sink) && first == second,
          "a value changes in a serialization round trip");
}

void whole_message(caf::actor_system& sys, const char* data, std::size_t size) {
  caf::message msg;
  caf::binary_deserializer source{sys, data, size};
  if (source(msg))
    return;
  static_cast<void>(caf::to_string(msg));
  auto first = save(sys, msg);
  caf::message copy;
  caf::binary_deserializer again{sys, first};
  require(!again(copy) && again.remaining() == 0,
          "a serialized message does not deserialize");
  require(save(sys, copy) == first,
          "a message changes in a serialization round trip");
}

void stored_snapshot(caf::actor_system& sys, const char* data,
                     std::size_t size) {
  auto snapshot = warden::decode_snapshot(sys, std::string{data, size});
  if (!snapshot)
    return;
  auto bytes = warden::encode_snapshot(sys, *snapshot);
  require(static_cast<bool>(bytes), "a decoded snapshot does not encode");
  auto again = warden::decode_snapshot(sys, *bytes);
  require(static_cast<bool>(again), "an encoded snapshot does not decode");
  auto second = warden::encode_snapshot(sys, *again);
  require(second && *second == *bytes,
          "a snapshot changes in an encoding round trip");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto& c = ctx();
  auto pick = data[0] % (c.types.size() + 2);
  auto rest = reinterpret_cast<const char*>(data + 1);
  if (pick < c.types.size())
    registered_type(*c.sys, c.types[pick], rest, size - 1);
  else if (pick == c.types.size())
    whole_message(*c.sys, rest, size - 1);
  else
    stored_snapshot(*c.sys, rest, size - 1);
  return 0;
}
