#define CAF_SUITE policies.admission
#include "policies/admission.hpp"

#include <caf/test/unit_test.hpp>
