// The physical bus as the R3000 core sees it: RAM is a host pointer (the DMI fast
// path), everything else goes through this interface (the TLM b_transport slow path).
#pragma once
#include <cstdint>

namespace vmsim::r3000 {

class Bus {
public:
    virtual ~Bus() = default;
    // Non-RAM physical data access of 1, 2 or 4 bytes. Returns false for a bus error
    // (no device at that address), which the core turns into DBE. Instructions are
    // fetched from RAM only: a fetch elsewhere is IBE (there is no boot ROM).
    virtual bool read(uint32_t pa, unsigned size, uint32_t& value) = 0;
    virtual bool write(uint32_t pa, unsigned size, uint32_t value) = 0;
};

}  // namespace vmsim::r3000
