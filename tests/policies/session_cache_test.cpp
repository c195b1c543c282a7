#define CAF_SUITE policies.session_cache
#include "policies/session_cache.hpp"

#include <caf/test/unit_test.hpp>
