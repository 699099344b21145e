// The x86 machine's parameters (machine_params.hpp).
#include "sim/platform/x86/machine_params.hpp"

#include <fmt/format.h>

#include <string>
#include <tuple>
#include <utility>

#include "sim/common/errors.hpp"
#include "sim/platform/replacement_names.hpp"

namespace vmsim::platform {
namespace {

using config::ParamTable;

// The TLBs and paging-structure caches, by the prefix of their parameters (the names MmuConfig's
// check() uses in its messages).
struct TlbParam {
    const char* name;
    x86::TlbConfig x86::MmuConfig::*member;
    const char* what;
};
const TlbParam kTlbs[] = {
    {"itlb_4k", &x86::MmuConfig::itlb_4k, "L1 I-TLB for 4 KB pages"},
    {"itlb_2m", &x86::MmuConfig::itlb_2m, "L1 I-TLB for 2 MB pages (4 MB with 32-bit paging)"},
    {"itlb_1g", &x86::MmuConfig::itlb_1g, "L1 I-TLB for 1 GB pages"},
    {"dtlb_4k", &x86::MmuConfig::dtlb_4k, "L1 D-TLB for 4 KB pages"},
    {"dtlb_2m", &x86::MmuConfig::dtlb_2m, "L1 D-TLB for 2 MB pages (4 MB with 32-bit paging)"},
    {"dtlb_1g", &x86::MmuConfig::dtlb_1g, "L1 D-TLB for 1 GB pages"},
    {"stlb", &x86::MmuConfig::stlb, "second-level TLB, unified (the sizes stlb.holds_* choose)"},
    {"stlb_1g", &x86::MmuConfig::stlb_1g, "second-level TLB for 1 GB pages alone"},
    {"psc_pde", &x86::MmuConfig::psc_pde, "paging-structure cache of PDEs (SDM 4.10.3)"},
    {"psc_pdpte", &x86::MmuConfig::psc_pdpte, "paging-structure cache of PDPTEs"},
    {"psc_pml4e", &x86::MmuConfig::psc_pml4e, "paging-structure cache of PML4Es"},
    {"psc_pml5e", &x86::MmuConfig::psc_pml5e, "paging-structure cache of PML5Es (5-level paging)"},
};


}  // namespace

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

void bind_x86_machine(ParamTable<X86Config>& table) {
    auto root = table.root();
    // The range keeps the period at least 1 ps (SystemC's resolution); see the R3000's clock.
    root.number("cpu.clock_mhz", &X86Config::clock_mhz, "CPU clock in MHz (Skylake i7-6700K: 4000; i386: whole MHz)")
        .min(1)
        .max(1e6);
    root.uint("cpu.fault_cycles", &X86Config::fault_cycles,
              "x86_64 target: cycles of one page fault delivered to the workload's pager and the return to "
              "the access (exception entry, upcall, handler, IRET; an estimate per machine); the i386 target "
              "executes its guest's fault handling instead and does not read it")
        .max(10'000'000);
    root.size("mem.size", &X86Config::mem_size,
              "RAM at physical address 0 in bytes (x86_64: page tables and the workload's frames come from "
              "above 1 MB, reserved on the host as it is touched; i386: the guest's RAM, which Multiboot reports)")
        .min(4 << 20)
        .max(0xfffff000u)
        .multiple_of(4096);

    auto caches = root.at(&X86Config::caches);
    caches.uint("mem.read_latency", &common::CacheHierarchyConfig::memory_cycles,
                "cycles of a load, store or page-walk reference that misses every cache")
        .min(1)
        .max(100000);
    caches.uint("cache.line", &common::CacheHierarchyConfig::line, "cache line size in bytes, every level")
        .min(8)
        .max(4096)
        .power_of_two();
    for (auto [level, member] : {std::pair{"l1d", &common::CacheHierarchyConfig::l1d},
                                 std::pair{"l2", &common::CacheHierarchyConfig::l2},
                                 std::pair{"l3", &common::CacheHierarchyConfig::l3}}) {
        const std::string k = level;
        auto c = caches.at(member);
        c.size(k + ".size", &common::CacheLevelConfig::size, k + " size in bytes; 0 = no " + k + " cache")
            .max(uint64_t{1} << 40);
        c.uint(k + ".ways", &common::CacheLevelConfig::ways, k + " ways per set")
            .min(1)
            .max(1024);
        c.uint(k + ".hit_cycles", &common::CacheLevelConfig::hit_cycles,
               "load-to-use cycles of an access the " + k + " serves")
            .max(100000);
        c.choice(k + ".replacement", &common::CacheLevelConfig::replacement, replacement_names(),
                 k + " victim choice (models/common/replacement.hpp)");
        c.uint(k + ".seed", &common::CacheLevelConfig::seed, k + " seed of the random replacement policy");
    }

    // The Pentium timing model of the 32-bit ISS (models/x86_64/pentium_timing.hpp).
    auto p5 = root.at(&X86Config::p5);
    p5.number("bus.ratio", &x86::iss::PentiumTimingConfig::bus_ratio,
              "core clocks per bus clock of the Pentium timing model (P100: 66 MHz bus x 1.5)")
        .min(1)
        .max(16);
    p5.uint("bus.l2_fill_clocks", &x86::iss::PentiumTimingConfig::l2_fill_bus_clocks,
            "bus clocks of a 32-byte line fill from the board's L2 (pipeline-burst SRAM 3-1-1-1: 6)")
        .min(1)
        .max(1000);
    p5.uint("bus.memory_fill_clocks", &x86::iss::PentiumTimingConfig::memory_fill_bus_clocks,
            "bus clocks of a 32-byte line fill from DRAM (EDO 5-2-2-2: 11)")
        .min(1)
        .max(1000);
    p5.uint("bus.write_clocks", &x86::iss::PentiumTimingConfig::write_bus_clocks,
            "bus clocks a write buffer takes to drain one store that missed the L1D (no write-allocate)")
        .min(1)
        .max(1000);
    p5.uint("cpu.write_buffers", &x86::iss::PentiumTimingConfig::write_buffers,
            "write buffers of the Pentium timing model for stores that miss the L1D")
        .min(1)
        .max(4);
    p5.uint("btb.entries", &x86::iss::PentiumTimingConfig::btb_entries,
            "branch target buffer entries (2-bit counters) of the Pentium timing model")
        .min(1)
        .max(1 << 16);
    p5.uint("btb.ways", &x86::iss::PentiumTimingConfig::btb_ways, "BTB ways per set (= entries: fully associative)")
        .min(1)
        .max(1 << 16);
    p5.uint("cpu.mispredict_u", &x86::iss::PentiumTimingConfig::mispredict_u,
            "clocks of a mispredicted branch that executed in the U pipe")
        .max(1000);
    p5.uint("cpu.mispredict_v", &x86::iss::PentiumTimingConfig::mispredict_v,
            "clocks of a mispredicted branch that executed in the V pipe")
        .max(1000);
    p5.size("l1i.size", &x86::iss::PentiumTimingConfig::icache_size,
            "L1 I-cache size in bytes of the Pentium timing model (its line is cache.line)")
        .min(64)
        .max(1 << 20)
        .power_of_two();
    p5.uint("l1i.ways", &x86::iss::PentiumTimingConfig::icache_ways, "L1 I-cache ways per set")
        .min(1)
        .max(16);

    root.choice("mmu.paging", &X86Config::paging,
                {{"legacy32", x86::PagingMode::Legacy},
                 {"long4", x86::PagingMode::Long4},
                 {"long5", x86::PagingMode::Long5}},
                "paging mode the platform turns on before the workload: legacy32 = 32-bit paging, 2 levels, "
                "4 KB and (CR4.PSE) 4 MB pages; long4 = 4-level, 4 KB, 2 MB, 1 GB pages; long5 = 5-level (LA57)");
    auto mmu = root.at(&X86Config::mmu);
    mmu.uint("mmu.max_phys_addr_bits", &x86::MmuConfig::max_phys_addr_bits,
             "MAXPHYADDR: physical-address bits; entry bits above are reserved (#PF with RSVD)")
        .min(32)
        .max(52);
    for (auto [name, member, what] :
         {std::tuple{"mmu.pages_1g", &x86::MmuConfig::pages_1g, "1 GB pages (PS in a PDPTE)"},
          std::tuple{"mmu.la57", &x86::MmuConfig::la57, "5-level paging (CR4.LA57)"},
          std::tuple{"mmu.nx", &x86::MmuConfig::nx, "execute-disable (EFER.NXE, the XD bit)"},
          std::tuple{"mmu.pge", &x86::MmuConfig::pge, "global pages (CR4.PGE; the P6 and later)"},
          std::tuple{"mmu.pcid", &x86::MmuConfig::pcid, "process-context identifiers (CR4.PCIDE)"},
          std::tuple{"mmu.pat", &x86::MmuConfig::pat, "the page attribute table (PAT bits of entries)"}})
        mmu.flag(name, member, std::string("the CPU supports ") + what);
    mmu.uint("mmu.walkers", &x86::MmuConfig::walkers,
             "page walks in flight at once; this core blocks on each access, so it changes no latency here")
        .min(1)
        .max(64);
    mmu.uint("mmu.l1_hit_cycles", &x86::MmuConfig::l1_hit_cycles,
             "cycles an L1 TLB hit adds (0: the lookup overlaps the L1D access)")
        .max(1000);
    mmu.uint("stlb.hit_cycles", &x86::MmuConfig::stlb_hit_cycles,
             "cycles an L1 TLB miss adds to look the second level up (on a hit, and before a walk)")
        .max(1000);
    for (const TlbParam& tp : kTlbs) {
        const std::string k = tp.name;
        auto tlb = mmu.at(tp.member);
        tlb.uint(k + ".entries", &x86::TlbConfig::entries,
                 std::string(tp.what) + ": entries; 0 = none")
            .max(1 << 20);
        tlb.uint(k + ".ways", &x86::TlbConfig::ways, k + " ways per set (= entries: fully associative)")
            .min(1)
            .max(1 << 20);
        tlb.choice(k + ".replacement", &x86::TlbConfig::replacement, replacement_names(),
                   k + " victim choice (models/common/replacement.hpp)");
        tlb.uint(k + ".seed", &x86::TlbConfig::seed, k + " seed of the random replacement policy");
        if (k == "stlb")
            for (auto [name, holds, what] :
                 {std::tuple{"stlb.holds_4k", &x86::MmuConfig::stlb_holds_4k, "4 KB"},
                  std::tuple{"stlb.holds_2m", &x86::MmuConfig::stlb_holds_2m, "2 MB and 4 MB"},
                  std::tuple{"stlb.holds_1g", &x86::MmuConfig::stlb_holds_1g, "1 GB"}})
                mmu.flag(name, holds, std::string("the unified STLB caches translations of ") + what + " pages");
    }
}

void bind_gups_update_cycles(ParamTable<X86Config>& table) {
    table.root()
        .at(&X86Config::gups)
        .uint("gups.update_cycles", &x86::GupsConfig::update_cycles,
              "cycles of one GUPS update's own instructions besides its load, store and fetch (an estimate per "
              "machine; x86_64 target's GUPS workload only)")
        .max(1'000'000);
}

void check_x86_machine(const X86Config& c) {
    const auto fail = [](const std::string& problem) { throw UserError(kExitUsage, problem); };
    // Tree-PLRU's power-of-two ways, by the parameter's name (the models' checks name the structure).
    for (const TlbParam& tp : kTlbs) {
        const x86::TlbConfig& tlb = c.mmu.*tp.member;
        if (tlb.entries && tlb.replacement == common::Replacement::TreePlru && (!power_of_two(tlb.ways) || tlb.ways > 64))
            fail(fmt::format("{}.ways must be a power of two up to 64 with {}.replacement = plru, got {}", tp.name,
                             tp.name, tlb.ways));
    }
    for (auto [level, cache] : {std::pair{"l1d", &c.caches.l1d}, std::pair{"l2", &c.caches.l2},
                                std::pair{"l3", &c.caches.l3}})
        if (cache->size && cache->replacement == common::Replacement::TreePlru &&
            (!power_of_two(cache->ways) || cache->ways > 64))
            fail(fmt::format("{}.ways must be a power of two up to 64 with {}.replacement = plru, got {}", level, level,
                             cache->ways));
    if (c.mmu.stlb.entries && c.mmu.stlb_holds_1g && c.mmu.stlb_1g.entries)
        fail("stlb.holds_1g and stlb_1g.entries both cache 1 GB pages: set stlb.holds_1g = false or "
             "stlb_1g.entries = 0");
    if (std::string problem = c.mmu.check(); !problem.empty()) fail(problem);
    if (std::string problem = c.caches.check(); !problem.empty()) fail(problem);
    if (std::string problem = c.p5.check(); !problem.empty()) fail(problem);
    if (c.p5.icache_size % (uint64_t{c.caches.line} * c.p5.icache_ways) != 0 ||
        !power_of_two(c.p5.icache_size / (uint64_t{c.caches.line} * c.p5.icache_ways)))
        fail(fmt::format("l1i.size / (l1i.ways x cache.line) must be a power of two sets, got {} / ({} x {})",
                         c.p5.icache_size, c.p5.icache_ways, c.caches.line));
    if (c.paging == x86::PagingMode::Long5 && !c.mmu.la57) fail("mmu.paging: long5 needs mmu.la57 = true");
}

}  // namespace vmsim::platform
