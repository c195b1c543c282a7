// The one translation unit that provides main() for every test binary.
#include <caf/test/unit_test_impl.hpp>
