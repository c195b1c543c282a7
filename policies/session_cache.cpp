#include "policies/session_cache.hpp"
