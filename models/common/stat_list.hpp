// A model's statistics as data: each stats struct lists its counters as
// {name, description, value}, right beside their declarations, so the platform
// records any model's statistics generically and the docs tables are generated
// from the same list. Names are relative: the platform adds the model's prefix
// ("icache." + "hits"). Plain C++, no simulator headers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vmsim::common {

struct StatEntry {
    std::string name;
    std::string description;
    uint64_t value;
};
using StatList = std::vector<StatEntry>;

}  // namespace vmsim::common
