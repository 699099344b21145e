// The effective configuration of a run as text: every parameter's name and final
// value, in declaration order (config::Registry::effective()). Recorded in every
// run's output; shared by the config and stats layers.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace vmsim {
using Settings = std::vector<std::pair<std::string, std::string>>;
}  // namespace vmsim
