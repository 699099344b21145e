// Test fixture for the x86 ISS with paging off: 1 MB of RAM, code at kCode, a stack below kStackTop.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "models/x86_64/iss.hpp"

namespace vmsim::x86::iss::test {

using Bytes = std::vector<uint8_t>;

struct FlatMachine {
    static constexpr uint32_t kCode = 0x1000, kData = 0x20000, kStackTop = 0x80000;

    FlatMachine() : mem(1 << 20), cpu(mem) {
        cpu.set_eip(kCode);
        cpu.set_reg(kEsp, kStackTop);
    }
    // Places code at kCode (EIP there).
    void code(const Bytes& b, uint32_t at = kCode) {
        std::memcpy(mem.data() + at, b.data(), b.size());
        cpu.set_eip(at);
    }
    uint32_t word(uint32_t a) const {
        uint32_t v;
        std::memcpy(&v, mem_data() + a, 4);
        return v;
    }
    void set_word(uint32_t a, uint32_t v) { std::memcpy(mem.data() + a, &v, 4); }
    const uint8_t* mem_data() const { return const_cast<FlatMemory&>(mem).data(); }
    StepResult step() { return cpu.step(); }
    // Steps `n` instructions, each of which must complete.
    void steps(unsigned n) {
        for (unsigned i = 0; i < n; ++i) ASSERT_EQ(cpu.step().stop, Stop::None) << "instruction " << i;
    }

    FlatMemory mem;
    Cpu<FlatMemory> cpu;
};

}  // namespace vmsim::x86::iss::test
