#include <benchmark/benchmark.h>

#include "policies/admission.hpp"
