// Runs a Multiboot i386 guest on vmsim's timed i386 platform (models/x86_64/pc.hpp) and returns
// its sim-control regions as the difference of their end and begin marks: cycles, cycles by
// cause, instructions, TLB misses and walks. Shared by the micro-check tests (INT + IRET round
// trips here, the l4 kernel's short IPC in tests/vmlib/l4).
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "models/x86_64/pc.hpp"
#include "sim/loader/elf_loader.hpp"

namespace vmsim::x86::pc::test {

struct GuestRun {
    Pc::Result result;
    std::string console;
    std::map<uint32_t, RegionTotal> regions;  // pc.hpp's sum_regions: by region id
};

inline GuestRun run_guest(const std::string& elf, uint64_t max_instructions) {
    Pc pc;
    const loader::ElfImage image = loader::load_elf_i386(elf, pc.ram().size());
    for (const loader::Segment& s : image.segments)
        EXPECT_TRUE(pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz));
    pc.boot_multiboot(image.entry);
    GuestRun run;
    run.result = pc.run(max_instructions);
    run.console = pc.console();
    run.regions = sum_regions(pc.regions());
    return run;
}

}  // namespace vmsim::x86::pc::test
