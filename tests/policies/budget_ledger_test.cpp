#define CAF_SUITE policies.budget_ledger
#include "policies/budget_ledger.hpp"

#include <caf/test/unit_test.hpp>
