#pragma once

// Sends a value through CAF's binary serialization as a message, as a remote
// node receives it. Include after caf/test/unit_test.hpp or dsl.hpp.

#include <vector>

#include <caf/all.hpp>

namespace warden::test {

/// Serializes `x` as a message, deserializes it, and returns the copy; fails
/// the test when either step fails or the copy holds another type.
template <class T>
T round_trip(caf::actor_system& sys, const T& x) {
  std::vector<char> buf;
  auto msg = caf::make_message(x);
  caf::binary_serializer sink{sys, buf};
  if (auto err = sink(msg))
    CAF_FAIL("serialization failed: " << sys.render(err));
  caf::message copy;
  caf::binary_deserializer source{sys, buf};
  if (auto err = source(copy))
    CAF_FAIL("deserialization failed: " << sys.render(err));
  if (!copy.match_elements<T>())
    CAF_FAIL("round trip changed the type: " << to_string(copy));
  return copy.get_as<T>(0);
}

} // namespace warden::test
