#include <benchmark/benchmark.h>

#include "policies/circuit_breaker.hpp"
