#pragma once

namespace warden::policies {} // namespace warden::policies
