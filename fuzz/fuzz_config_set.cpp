// libFuzzer target: `--set KEY=VALUE` arguments (config::parse_override, then the
// registry with the R3000 target's parameters), one argument per input line. A
// rejection must be a one-line, bounded UserError (64).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    vmsim::config::Registry reg = vmsim::fuzz::declared();
    try {
        size_t start = 0;
        while (start <= input.size()) {
            const size_t end = std::min(input.find('\n', start), input.size());
            const vmsim::config::Assignment a = vmsim::config::parse_override(input.substr(start, end - start));
            reg.set_override(a.key, a.value, a.where);
            start = end + 1;
        }
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitUsage});
        return 0;
    }
    vmsim::fuzz::check_accepted(reg);
    return 0;
}
