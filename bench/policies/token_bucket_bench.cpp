#include <benchmark/benchmark.h>

#include "policies/token_bucket.hpp"
