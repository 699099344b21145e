// What `vmsim trace info` and `vmsim trace convert` do, over any RefSource.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "sim/trace/format.hpp"
#include "sim/trace/output.hpp"
#include "sim/trace/record.hpp"

namespace vmsim::trace {

struct TraceInfo {
    uint64_t refs = 0;
    uint64_t by_kind[4] = {};       // by Kind
    uint64_t crossing = 0;          // references whose bytes span two 4 KB pages
    uint64_t min_addr = 0, max_addr = 0;
    uint64_t pages[3] = {};         // distinct 4 KB, 2 MB and 1 GB pages touched (by start address)
};

// Reads `source` to its end. Memory grows with the distinct 4 KB pages, not with the length.
TraceInfo summarize(RefSource& source);
// The summary as `vmsim trace info` prints it (aligned "name  value" lines).
std::string info_text(const TraceInfo& info);

// Writes lackey text: "I  %08x,SIZE" and " L|S|M %08x,SIZE" lines, as lackey prints them.
class LackeyWriter {
public:
    explicit LackeyWriter(std::unique_ptr<Output> out);
    void write(const Ref* refs, size_t n);
    void close();

private:
    std::unique_ptr<Output> out_;
    std::vector<char> buf_;
    size_t used_ = 0;
};

// Copies every reference of `source` to `out` in `to` (vmt or lackey; UserError kExitUsage for
// another). Returns the number of references.
uint64_t convert(RefSource& source, Format to, std::unique_ptr<Output> out);

}  // namespace vmsim::trace
