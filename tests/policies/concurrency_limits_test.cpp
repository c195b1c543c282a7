#define CAF_SUITE policies.concurrency_limits
#include "policies/concurrency_limits.hpp"

#include <caf/test/unit_test.hpp>
