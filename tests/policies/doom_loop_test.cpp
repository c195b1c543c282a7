#define CAF_SUITE policies.doom_loop
#include "policies/doom_loop.hpp"

#include <caf/test/unit_test.hpp>
