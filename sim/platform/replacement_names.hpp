// The words a parameter uses for a replacement policy of models/common/replacement.hpp (any
// target's caches and TLBs).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "models/common/replacement.hpp"

namespace vmsim::platform {

inline const std::vector<std::pair<std::string, common::Replacement>>& replacement_names() {
    static const std::vector<std::pair<std::string, common::Replacement>> names = {
        {"lru", common::Replacement::Lru},
        {"plru", common::Replacement::TreePlru},
        {"fifo", common::Replacement::Fifo},
        {"random", common::Replacement::Random}};
    return names;
}

}  // namespace vmsim::platform
