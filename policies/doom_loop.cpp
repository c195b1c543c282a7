#include "policies/doom_loop.hpp"
