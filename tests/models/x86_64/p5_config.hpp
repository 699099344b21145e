// The pentium100 preset's data caches and MMU structures (configs/machines/pentium100.cfg), for the
// tests and benchmarks of the Pentium timing model, which cannot read the preset (models/ links no
// simulator code).
#pragma once
#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/config.hpp"
#include "models/x86_64/pc.hpp"

namespace vmsim::x86::test {

// 8 KB 2-way L1D with 32-byte lines (1 cycle), a 256 KB direct-mapped L2 (6), memory 14, no L3:
// the i386 platform's (models/x86_64/pc.hpp).
inline common::CacheHierarchyConfig p5_caches() { return pc::pentium_caches(); }

// Code TLB 32 entries 4-way, data TLBs 64 (4 KB) and 8 (4 MB) 4-way; no STLB, no paging-structure
// caches, no PGE/PCID/NX/PAT, 32-bit physical addresses.
inline MmuConfig p5_mmu() {
    MmuConfig p5;
    p5.max_phys_addr_bits = 32;
    p5.pages_1g = p5.nx = p5.pge = p5.pcid = p5.pat = false;
    p5.walkers = 1;
    p5.itlb_4k = {32, 4};
    p5.itlb_2m = {};
    p5.dtlb_4k = {64, 4};
    p5.dtlb_2m = {8, 4};
    p5.dtlb_1g = p5.stlb = p5.stlb_1g = {};
    p5.psc_pde = p5.psc_pdpte = p5.psc_pml4e = p5.psc_pml5e = {};
    p5.stlb_hit_cycles = 0;
    return p5;
}

}  // namespace vmsim::x86::test
