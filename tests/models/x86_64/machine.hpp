// Test fixture for the x86 MMU: RAM, a cache hierarchy, the MMU, and page tables in RAM
// (page_tables.hpp).
#pragma once
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <cstdint>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/mmu.hpp"
#include "models/x86_64/phys_mem.hpp"
#include "tests/models/x86_64/page_tables.hpp"

namespace vmsim::x86::test {

// RAM (8 MB at physical 0), caches, an MMU and page tables; paging is off until enable().
struct Machine {
    explicit Machine(const MmuConfig& config = MmuConfig{}, Format format = Format::Long4,
                     const common::CacheHierarchyConfig& caches_config = common::CacheHierarchyConfig{})
        : ram(8 << 20), caches(caches_config), mmu(config, ram, caches), pt(ram, format), format(format) {}

    // Turns paging on in the builder's format, with CR0.WP = 1 and, in long mode, EFER.NXE = 1.
    void enable(uint64_t extra_cr4 = 0) {
        if (format == Format::Legacy) {
            ASSERT_TRUE(mmu.write_cr4(CR4_PSE | extra_cr4));
            ASSERT_TRUE(mmu.write_cr3(pt.root()));
        } else {
            ASSERT_TRUE(mmu.write_cr4(CR4_PAE | (format == Format::Long5 ? CR4_LA57 : 0) | extra_cr4));
            ASSERT_TRUE(mmu.write_efer(EFER_LME | (mmu.config().nx ? EFER_NXE : 0)));
            ASSERT_TRUE(mmu.write_cr3(pt.root()));
        }
        ASSERT_TRUE(mmu.write_cr0(CR0_PE | CR0_WP | CR0_PG));
    }

    Translation read(uint64_t la, Privilege p = Privilege::Supervisor) { return mmu.translate(la, Access::Read, p); }
    Translation write(uint64_t la, Privilege p = Privilege::Supervisor) { return mmu.translate(la, Access::Write, p); }
    Translation fetch(uint64_t la, Privilege p = Privilege::Supervisor) { return mmu.translate(la, Access::Fetch, p); }

    FlatRam ram;
    common::CacheHierarchy caches;
    Mmu mmu;
    PageTables pt;
    Format format;
};

}  // namespace vmsim::x86::test
