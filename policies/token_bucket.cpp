#include "policies/token_bucket.hpp"
