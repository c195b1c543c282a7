#define CAF_SUITE policies.token_bucket
#include "policies/token_bucket.hpp"

#include <caf/test/unit_test.hpp>
