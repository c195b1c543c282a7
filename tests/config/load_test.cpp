#define CAF_SUITE config.load
#include "config/load.hpp"

#include <caf/test/unit_test.hpp>
