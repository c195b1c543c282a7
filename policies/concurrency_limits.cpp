#include "policies/concurrency_limits.hpp"
