// One memory reference of an address trace, as every trace reader (sim/trace/) produces it and
// every replay engine (x86 MMU, R3000 trap-driven) consumes it. A reader turns its format into a
// stream of these; a format that has a "modify" record (Valgrind lackey's ` M`) yields Kind::Modify,
// which a replay treats as a load followed by a store to the same address.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vmsim::trace {

enum class Kind : uint8_t {
    Instr,   // instruction fetch
    Load,    // data read
    Store,   // data write
    Modify,  // read then write of the same bytes (lackey ` M`)
};

struct Ref {
    uint64_t addr = 0;  // virtual address of the first byte
    uint32_t size = 0;  // bytes accessed (0 when the format does not say)
    Kind kind = Kind::Load;
};

// Where a replay engine pulls references from: a reader of a file or pipe, a vector in a test, a
// generator. read() fills up to `max` references and returns how many; 0 means the stream ended.
// Errors in the input (a truncated record, a bad header) are thrown as vmsim::UserError (kExitDataErr) with the byte
// offset or line number, not returned.
class RefSource {
public:
    virtual ~RefSource() = default;
    virtual std::size_t read(Ref* out, std::size_t max) = 0;
};

}  // namespace vmsim::trace
