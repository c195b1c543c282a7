#define CAF_SUITE policies.circuit_breaker
#include "policies/circuit_breaker.hpp"

#include <caf/test/unit_test.hpp>
