#include "policies/circuit_breaker.hpp"
