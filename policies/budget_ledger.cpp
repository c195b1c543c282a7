#include "policies/budget_ledger.hpp"
