#include "policies/retry_policy.hpp"
