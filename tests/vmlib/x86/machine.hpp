// Test fixture for the self-paging kernel and pager: sparse physical memory, the x86 MMU, the
// kernel, and a reference walker that reads the page tables the kernel wrote. The walker spells the
// entry bits out from the SDM itself (Vol. 3A Tables 4-4 to 4-6 and 4-14 to 4-20) rather than using
// paging.hpp, so that a wrong constant shared by the kernel and the model cannot make a test agree.
#pragma once
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/mmu.hpp"
#include "models/x86_64/phys_mem.hpp"
#include "vmlib/x86/kernel.hpp"
#include "vmlib/x86/pager.hpp"

namespace vmsim::selfpage::test {

constexpr uint64_t P = 1, RW = 2, US = 4, PCD = 16, A = 32, D = 64, PS = 128;
constexpr uint64_t XD = uint64_t{1} << 63;
constexpr uint64_t K4 = 4096, M2 = uint64_t{2} << 20, M4 = uint64_t{4} << 20, G1 = uint64_t{1} << 30;
constexpr uint8_t EC_P = 1, EC_W = 2, EC_U = 4, EC_I = 16;

using x86::SparseRam;

// Every TLB and paging-structure cache removed: each translation walks the tables in memory.
inline x86::MmuConfig no_caching() {
    x86::MmuConfig c;
    for (x86::TlbConfig* t : {&c.itlb_4k, &c.itlb_2m, &c.itlb_1g, &c.dtlb_4k, &c.dtlb_2m, &c.dtlb_1g, &c.stlb,
                              &c.stlb_1g, &c.psc_pde, &c.psc_pdpte, &c.psc_pml4e, &c.psc_pml5e})
        *t = x86::TlbConfig{};
    return c;
}

struct Machine {
    explicit Machine(const x86::MmuConfig& mmu_config = x86::MmuConfig{}, const KernelConfig& kernel_config = KernelConfig{},
                     uint64_t ram_limit = uint64_t{16} << 30)
        : ram(ram_limit), caches(common::CacheHierarchyConfig{}), mmu(mmu_config, ram, caches),
          kernel(ram, mmu, kernel_config) {}

    bool legacy() const { return kernel.mode() == x86::PagingMode::Legacy; }

    // Helpers that must succeed.
    CapRef grant(uint64_t base, uint64_t bytes) {
        const Result<CapRef> r = kernel.grant_ram(base, bytes);
        EXPECT_EQ(r.error, Error::Ok) << error_name(r.error);
        return r.value;
    }
    CapRef make(CapRef src, ObjType type, uint64_t offset, uint64_t bytes = K4) {
        const Result<CapRef> r = kernel.retype(src, type, offset, bytes);
        EXPECT_EQ(r.error, Error::Ok) << error_name(r.error) << " retyping " << obj_type_name(type);
        return r.value;
    }
    uint64_t base_of(CapRef cap) const { return kernel.identify(cap).value.base; }

    x86::Translation read(uint64_t va) { return mmu.translate(va, x86::Access::Read, x86::Privilege::User); }
    x86::Translation write(uint64_t va) { return mmu.translate(va, x86::Access::Write, x86::Privilege::User); }
    x86::Translation fetch(uint64_t va) { return mmu.translate(va, x86::Access::Fetch, x86::Privilege::User); }

    uint64_t entry(uint64_t table_pa, unsigned slot) {
        if (legacy()) {
            uint32_t v = 0;
            ram.read32(table_pa + slot * 4, v);
            return v;
        }
        uint64_t v = 0;
        ram.read64(table_pa + slot * 8, v);
        return v;
    }

    SparseRam ram;
    common::CacheHierarchy caches;
    x86::Mmu mmu;
    Kernel kernel;
};

// One table per level of 4-level paging on the path of linear address 0 (PML4[0] -> PDPT[0] ->
// PD[0] -> PT), retyped from `ram` at `offset` onwards (four pages).
struct Path {
    CapRef pml4, pdpt, pd, pt;
};
inline Path make_path(Machine& m, CapRef ram, uint64_t offset = 0) {
    Path p{m.make(ram, ObjType::Pml4, offset), m.make(ram, ObjType::Pdpt, offset + K4),
           m.make(ram, ObjType::Pd, offset + 2 * K4), m.make(ram, ObjType::Pt, offset + 3 * K4)};
    EXPECT_EQ(m.kernel.install(p.pml4, 0, p.pdpt, 0), Error::Ok);
    EXPECT_EQ(m.kernel.install(p.pdpt, 0, p.pd, 0), Error::Ok);
    EXPECT_EQ(m.kernel.install(p.pd, 0, p.pt, 0), Error::Ok);
    return p;
}

// A page the tables map, as the reference walker finds it.
struct Leaf {
    uint64_t va;       // linear address (canonical)
    uint64_t bytes;    // page size
    uint64_t pa;       // physical address of the page
    bool writable;     // R/W at every level
    bool user;         // U/S at every level
    bool executable;   // no XD on the way
};

// A paging-structure page the walk passes through, and the level the walk uses it at (4 = PML4 or,
// in 32-bit paging, 2 = the page directory).
struct TableUse {
    uint64_t pa;
    unsigned level;
};

// Walks every present entry reachable from `root` in memory, in the hardware format. Returns false
// if an entry sets a bit the hardware reserves (then the walk would fault with RSVD).
inline bool walk_all(x86::PhysicalMemory& mem, bool legacy, uint64_t root, unsigned max_phys_bits,
                     const std::function<void(const Leaf&)>& on_leaf,
                     const std::function<void(const TableUse&)>& on_table = nullptr) {
    bool clean = true;
    const unsigned top = legacy ? 2 : 4;
    const uint64_t addr_mask = legacy ? 0xfffff000 : ((uint64_t{1} << max_phys_bits) - 1) & ~uint64_t{0xfff};
    std::function<void(uint64_t, unsigned, uint64_t, bool, bool, bool)> visit =
        [&](uint64_t table, unsigned level, uint64_t prefix, bool w, bool u, bool x) {
            if (on_table) on_table({table, level});
            const unsigned entries = legacy ? 1024 : 512;
            const unsigned shift = legacy ? (level == 2 ? 22 : 12) : 12 + 9 * (level - 1);
            for (unsigned i = 0; i < entries; ++i) {
                uint64_t e = 0;
                if (legacy) {
                    uint32_t v = 0;
                    mem.read32(table + i * 4, v);
                    e = v;
                } else {
                    mem.read64(table + i * 8, e);
                }
                if (!(e & P)) continue;
                if (!legacy && (e & ~XD & ~addr_mask & ~uint64_t{0xfff}) != 0) clean = false;  // bits 62:MAXPHYADDR
                uint64_t va = prefix + (uint64_t{i} << shift);
                if (!legacy) va = static_cast<uint64_t>(static_cast<int64_t>(va << 16) >> 16);
                const bool ww = w && (e & RW), uu = u && (e & US), xx = x && !(!legacy && (e & XD));
                const bool leaf = level == 1 || ((e & PS) && level <= (legacy ? 2u : 3u));
                if (leaf) {
                    const uint64_t bytes = level == 1 ? K4 : legacy ? M4 : level == 2 ? M2 : G1;
                    const uint64_t pa = e & addr_mask & ~(bytes - 1);
                    if ((e & addr_mask & (bytes - 1) & ~uint64_t{0x1000}) != 0) clean = false;  // reserved below the frame
                    on_leaf({va, bytes, pa, ww, uu, xx});
                } else {
                    visit(e & addr_mask, level - 1, va & (legacy ? 0xffffffff : ~uint64_t{0}), ww, uu, xx);
                }
            }
        };
    visit(root, top, 0, true, true, true);
    return clean;
}

}  // namespace vmsim::selfpage::test
