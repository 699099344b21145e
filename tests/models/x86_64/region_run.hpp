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

struct RegionDelta {
    unsigned entries = 0;  // begin/end pairs summed into this region
    uint64_t cycles = 0, instructions = 0, itlb_misses = 0, dtlb_misses = 0, walks = 0;
    iss::PentiumCycles causes{};
};

struct GuestRun {
    Pc::Result result;
    std::string console;
    std::map<uint32_t, RegionDelta> regions;  // by region id; a begin without its end is dropped
};

inline iss::PentiumCycles operator-(const iss::PentiumCycles& a, const iss::PentiumCycles& b) {
    iss::PentiumCycles d;
    d.issue = a.issue - b.issue;
    d.prefix = a.prefix - b.prefix;
    d.agi = a.agi - b.agi;
    d.bank = a.bank - b.bank;
    d.mispredict = a.mispredict - b.mispredict;
    d.icache = a.icache - b.icache;
    d.dcache = a.dcache - b.dcache;
    d.write_buffer = a.write_buffer - b.write_buffer;
    d.translation = a.translation - b.translation;
    d.system = a.system - b.system;
    return d;
}

inline void accumulate(iss::PentiumCycles& into, const iss::PentiumCycles& d) {
    into.issue += d.issue;
    into.prefix += d.prefix;
    into.agi += d.agi;
    into.bank += d.bank;
    into.mispredict += d.mispredict;
    into.icache += d.icache;
    into.dcache += d.dcache;
    into.write_buffer += d.write_buffer;
    into.translation += d.translation;
    into.system += d.system;
}

inline GuestRun run_guest(const std::string& elf, uint64_t max_instructions) {
    Pc pc;
    const loader::ElfImage image = loader::load_elf_i386(elf, pc.ram().size());
    for (const loader::Segment& s : image.segments)
        EXPECT_TRUE(pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz));
    pc.boot_multiboot(image.entry);
    GuestRun run;
    run.result = pc.run(max_instructions);
    run.console = pc.console();
    std::map<uint32_t, const RegionMark*> open;
    for (const RegionMark& m : pc.regions()) {
        if (m.begin) {
            open[m.id] = &m;
            continue;
        }
        const auto it = open.find(m.id);
        if (it == open.end()) continue;
        const RegionMark& b = *it->second;
        RegionDelta& r = run.regions[m.id];
        ++r.entries;
        r.cycles += m.cycle - b.cycle;
        r.instructions += m.instructions - b.instructions;
        r.itlb_misses += m.itlb_misses - b.itlb_misses;
        r.dtlb_misses += m.dtlb_misses - b.dtlb_misses;
        r.walks += m.walks - b.walks;
        accumulate(r.causes, m.causes - b.causes);
        open.erase(it);
    }
    return run;
}

}  // namespace vmsim::x86::pc::test
