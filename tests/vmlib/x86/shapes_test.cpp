// Completeness (the Barrelfish slides: "a process can construct any safe page table the hardware
// allows"): each shape of table the x86 walk accepts, built through the kernel's calls alone and
// checked through the MMU model's translate(): 4 KB, 2 MB and 1 GB leaves, Frames spanning several
// entries, tables shared between directories and between address spaces, page tables mapped
// read-only, the high half of the address space, every combination of rights, and 32-bit paging
// with 4 KB and 4 MB pages.
#include <gtest/gtest.h>

#include "tests/vmlib/x86/machine.hpp"

namespace vmsim::selfpage::test {
namespace {

struct Shapes : ::testing::Test {
    Machine m{no_caching()};  // every translation walks the tables in memory
    CapRef ram = m.grant(64 << 20, 64 << 20);  // tables and small frames: [64 MB, 128 MB)
    CapRef gig = m.grant(2 * G1, 2 * G1);      // 1 GB frames: [2 GB, 4 GB)
    uint64_t next = 0;

    CapRef table(ObjType type) {
        const CapRef t = m.make(ram, type, next);
        next += K4;
        return t;
    }
    Path path() {
        const Path p = make_path(m, ram, next);
        next += 4 * K4;
        return p;
    }
    void expect_maps(uint64_t va, uint64_t pa, x86::PageSize size) {
        const x86::Translation t = m.read(va);
        ASSERT_TRUE(t.ok()) << std::hex << va << " error code " << int(t.error_code);
        EXPECT_EQ(t.pa, pa) << std::hex << va;
        EXPECT_EQ(t.page_size, size) << std::hex << va;
    }
};

TEST_F(Shapes, FourKilobytePage) {
    const Path p = path();
    const CapRef f = m.make(ram, ObjType::Frame, 32 << 20);
    ASSERT_EQ(m.kernel.install(p.pt, 7, f, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    expect_maps(0x7abc, m.base_of(f) + 0xabc, x86::PageSize::k4K);
    EXPECT_FALSE(m.read(0x8000).ok());
}

TEST_F(Shapes, TwoMegabytePageInAPageDirectory) {
    const Path p = path();
    const CapRef f = m.make(ram, ObjType::Frame, 32 << 20, M2);
    ASSERT_EQ(m.kernel.install(p.pd, 3, f, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    expect_maps(3 * M2 + 0x12345, m.base_of(f) + 0x12345, x86::PageSize::k2M);
    EXPECT_EQ(m.entry(m.base_of(p.pd), 3) & PS, PS);
}

TEST_F(Shapes, OneGigabytePageInAPdpt) {
    const Path p = path();
    const CapRef f = m.make(gig, ObjType::Frame, G1, G1);  // at 3 GB
    ASSERT_EQ(m.kernel.install(p.pdpt, 2, f, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    expect_maps(2 * G1 + 0x3456789, 3 * G1 + 0x3456789, x86::PageSize::k1G);
    EXPECT_EQ(m.entry(m.base_of(p.pdpt), 2) & PS, PS);
}

TEST_F(Shapes, AllThreeSizesSideBySide) {
    const Path p = path();
    const CapRef small = m.make(ram, ObjType::Frame, 32 << 20);
    const CapRef large = m.make(ram, ObjType::Frame, 34 << 20, M2);
    const CapRef huge = m.make(gig, ObjType::Frame, 0, G1);
    ASSERT_EQ(m.kernel.install(p.pt, 1, small, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pd, 1, large, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pdpt, 1, huge, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    expect_maps(K4 + 1, m.base_of(small) + 1, x86::PageSize::k4K);
    expect_maps(M2 + 2, m.base_of(large) + 2, x86::PageSize::k2M);
    expect_maps(G1 + 3, 2 * G1 + 3, x86::PageSize::k1G);
}

TEST_F(Shapes, AFrameOfSeveralPagesFillsConsecutiveEntries) {
    const Path p = path();
    const CapRef f16k = m.make(ram, ObjType::Frame, 32 << 20, 4 * K4);
    const CapRef f4m = m.make(ram, ObjType::Frame, 36 << 20, 2 * M2);
    const CapRef f2g = m.make(gig, ObjType::Frame, 0, 2 * G1);
    ASSERT_EQ(m.kernel.install(p.pt, 10, f16k, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pd, 100, f4m, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pdpt, 4, f2g, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    for (uint64_t i = 0; i < 4; ++i) expect_maps((10 + i) * K4, m.base_of(f16k) + i * K4, x86::PageSize::k4K);
    for (uint64_t i = 0; i < 2; ++i) expect_maps((100 + i) * M2 + 5, m.base_of(f4m) + i * M2 + 5, x86::PageSize::k2M);
    for (uint64_t i = 0; i < 2; ++i) expect_maps((4 + i) * G1 + 6, 2 * G1 + i * G1 + 6, x86::PageSize::k1G);
    EXPECT_FALSE(m.read(14 * K4).ok());
    // One unmap removes the whole mapping.
    ASSERT_EQ(m.kernel.unmap(p.pt, 10), Error::Ok);
    for (uint64_t i = 0; i < 4; ++i) EXPECT_FALSE(m.read((10 + i) * K4).ok());
}

TEST_F(Shapes, APageTableSharedByTwoDirectoryEntries) {
    const Path p = path();
    ASSERT_EQ(m.kernel.install(p.pd, 5, p.pt, 0), Error::Ok);
    const CapRef f = m.make(ram, ObjType::Frame, 32 << 20);
    ASSERT_EQ(m.kernel.install(p.pt, 9, f, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    expect_maps(9 * K4, m.base_of(f), x86::PageSize::k4K);
    expect_maps(5 * M2 + 9 * K4, m.base_of(f), x86::PageSize::k4K);
}

TEST_F(Shapes, TwoAddressSpacesShareASubtree) {
    // Two PML4s reference one PDPT: a shared region, as Barrelfish's spanned domains share tables.
    const Path a = path();
    const CapRef pml4_b = table(ObjType::Pml4);
    ASSERT_EQ(m.kernel.install(pml4_b, 3, a.pdpt, 0), Error::Ok);
    const CapRef f = m.make(ram, ObjType::Frame, 32 << 20);
    ASSERT_EQ(m.kernel.install(a.pt, 1, f, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(a.pml4), Error::Ok);
    expect_maps(K4, m.base_of(f), x86::PageSize::k4K);
    ASSERT_EQ(m.kernel.set_root(pml4_b), Error::Ok);
    expect_maps((uint64_t{3} << 39) + K4, m.base_of(f), x86::PageSize::k4K);
    EXPECT_FALSE(m.read(K4).ok());
}

TEST_F(Shapes, EveryLevelsTableMappedReadOnlyExposesItsEntries) {
    // The slides' "map a page table read-only into the virtual address space": the application reads
    // its own A/D bits through the mapping.
    const Path p = path();
    const CapRef f = m.make(ram, ObjType::Frame, 32 << 20);
    ASSERT_EQ(m.kernel.install(p.pt, 0, f, kMapRead | kMapWrite), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pt, 1, p.pml4, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pt, 2, p.pdpt, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pt, 3, p.pd, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(p.pt, 4, p.pt, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    const CapRef tables[] = {p.pml4, p.pdpt, p.pd, p.pt};
    for (unsigned i = 0; i < 4; ++i) {
        expect_maps((1 + i) * K4, m.base_of(tables[i]), x86::PageSize::k4K);
        const x86::Translation w = m.write((1 + i) * K4);
        EXPECT_EQ(w.fault, x86::Fault::Page);
        EXPECT_EQ(w.error_code, EC_P | EC_W | EC_U);
    }
    ASSERT_TRUE(m.write(0x10).ok());
    // The PTE for page 0, read through the page table's own mapping at 4 * 4 KB.
    const x86::Translation t = m.read(4 * K4);
    uint64_t pte = 0;
    ASSERT_TRUE(m.ram.read64(t.pa, pte));
    EXPECT_EQ(pte & (A | D), A | D);
    EXPECT_EQ(pte & ~uint64_t{0xfff} & ~XD, m.base_of(f));
}

TEST_F(Shapes, TheHighHalfOfTheAddressSpace) {
    const CapRef pml4 = table(ObjType::Pml4), pdpt = table(ObjType::Pdpt), pd = table(ObjType::Pd);
    ASSERT_EQ(m.kernel.install(pml4, 256, pdpt, 0), Error::Ok);
    ASSERT_EQ(m.kernel.install(pdpt, 0, pd, 0), Error::Ok);
    const CapRef f = m.make(ram, ObjType::Frame, 32 << 20, M2);
    ASSERT_EQ(m.kernel.install(pd, 0, f, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(pml4), Error::Ok);
    expect_maps(0xffff800000000123, m.base_of(f) + 0x123, x86::PageSize::k2M);
}

TEST_F(Shapes, EveryCombinationOfRights) {
    const Path p = path();
    for (unsigned flags = 0; flags < 8; ++flags) {
        const CapRef f = m.make(ram, ObjType::Frame, (32 << 20) + flags * K4);
        ASSERT_EQ(m.kernel.install(p.pt, flags, f, static_cast<MapFlags>(flags)), Error::Ok);
    }
    ASSERT_EQ(m.kernel.set_root(p.pml4), Error::Ok);
    for (unsigned flags = 0; flags < 8; ++flags) {
        const uint64_t va = flags * K4;
        EXPECT_TRUE(m.read(va).ok()) << flags;  // read is implied
        EXPECT_EQ(m.write(va).ok(), (flags & kMapWrite) != 0) << flags;
        EXPECT_EQ(m.fetch(va).ok(), (flags & kMapExecute) != 0) << flags;
        // Supervisor access too: the kernel's entries are user pages, which supervisor code may read.
        EXPECT_TRUE(m.mmu.translate(va, x86::Access::Read, x86::Privilege::Supervisor).ok());
    }
    EXPECT_EQ(m.fetch(0).error_code, EC_P | EC_U | EC_I);
}

TEST(LegacyShapes, FourKilobyteAndFourMegabytePagesWith32BitPaging) {
    KernelConfig k;
    k.mode = x86::PagingMode::Legacy;
    Machine m(no_caching(), k);
    const CapRef ram = m.grant(0, 64 << 20);
    const CapRef pd = m.make(ram, ObjType::Pd32, 0), pt = m.make(ram, ObjType::Pt32, K4);
    const CapRef small = m.make(ram, ObjType::Frame, 8 * K4, 2 * K4);
    const CapRef large = m.make(ram, ObjType::Frame, 2 * M4, 2 * M4);
    ASSERT_EQ(m.kernel.install(pd, 0, pt, 0), Error::Ok);
    ASSERT_EQ(m.kernel.install(pd, 1023, pt, 0), Error::Ok);  // shared, at the top of the space
    ASSERT_EQ(m.kernel.install(pt, 1022, small, kMapRead | kMapWrite), Error::Ok);
    ASSERT_EQ(m.kernel.install(pd, 4, large, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(pt, 5, pd, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(pd), Error::Ok);
    for (uint64_t base : {uint64_t{0}, uint64_t{1023} << 22}) {
        const x86::Translation t = m.write(base + 1023 * K4 + 4);
        ASSERT_TRUE(t.ok());
        EXPECT_EQ(t.pa, 9 * K4 + 4);
        EXPECT_EQ(t.page_size, x86::PageSize::k4K);
    }
    for (uint64_t i = 0; i < 2; ++i) {
        const x86::Translation t = m.read((4 + i) * M4 + 0x1234);
        ASSERT_TRUE(t.ok());
        EXPECT_EQ(t.pa, (2 + i) * M4 + 0x1234);
        EXPECT_EQ(t.page_size, x86::PageSize::k4M);
    }
    EXPECT_FALSE(m.write(4 * M4).ok());
    EXPECT_EQ(m.read(5 * K4).pa, 0u);  // the page directory itself, read-only
    EXPECT_FALSE(m.write(5 * K4).ok());
}

}  // namespace
}  // namespace vmsim::selfpage::test
