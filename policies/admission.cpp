#include "policies/admission.hpp"
