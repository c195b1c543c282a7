#include <benchmark/benchmark.h>

#include "policies/budget_ledger.hpp"
