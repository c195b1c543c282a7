#define CAF_SUITE policies.retry_policy
#include "policies/retry_policy.hpp"

#include <caf/test/unit_test.hpp>
