// One memory reference of an address trace, as every trace reader (sim/trace/) produces it and
// every replay engine (x86 MMU, R3000 trap-driven) consumes it. A reader turns its format into a
// stream of these; a format that has a "modify" record (Valgrind lackey's ` M`) yields Kind::Modify,
// which a replay treats as a load followed by a store to the same address.
#pragma once
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

}  // namespace vmsim::trace
