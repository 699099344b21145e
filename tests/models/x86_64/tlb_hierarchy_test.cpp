// The structures around the walker: L1 I- and D-TLBs per page size, the second level and which
// sizes it holds, fractured large pages, paging-structure caches per level, replacement per
// structure, the latency of a walk through the data caches, the walkers, and the statistics.
// Expected latencies are built from the configured latencies, not read from the model.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::test {
namespace {

constexpr uint64_t kLa = 0x7000401000, kPa = 0x00555000;

TEST(TlbHierarchy, AnL1HitCostsTheL1HitLatency) {
    MmuConfig c;
    c.l1_hit_cycles = 1;
    Machine m(c);
    m.pt.map(kLa, kPa, K4);
    m.enable();
    ASSERT_TRUE(m.read(kLa).ok());
    const Translation t = m.read(kLa + 8);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, kPa + 8);
    EXPECT_EQ(t.cycles, 1u);
    EXPECT_EQ(m.mmu.stats().dtlb.hits[0], 1u);
    EXPECT_EQ(m.mmu.stats().dtlb.misses[0], 1u);
}

TEST(TlbHierarchy, AnStlbHitCostsTheStlbLatencyAndRefillsTheL1) {
    MmuConfig c;
    c.dtlb_4k = TlbConfig{1, 1};
    Machine m(c);
    m.pt.map(kLa, kPa, K4);
    m.pt.map(kLa + K4, kPa + K4, K4);
    m.enable();
    m.read(kLa);
    m.read(kLa + K4);  // evicts kLa from the one-entry L1
    const Translation t = m.read(kLa);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, kPa);
    EXPECT_EQ(t.cycles, c.l1_hit_cycles + c.stlb_hit_cycles);
    EXPECT_EQ(m.mmu.stats().stlb.hits[0], 1u);
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    m.read(kLa);
    EXPECT_EQ(m.mmu.stats().dtlb.hits[0], 1u);
}

TEST(TlbHierarchy, EachPageSizeHasItsOwnL1Structure) {
    MmuConfig c;
    c.dtlb_4k = TlbConfig{1, 1};
    c.dtlb_2m = TlbConfig{1, 1};
    c.stlb = TlbConfig{};
    Machine m(c);
    m.pt.map(kLa, kPa, K4);
    m.pt.map(0x40000000, 0x600000, M2);
    m.enable();
    for (uint64_t la : {kLa, uint64_t{0x40000000}, kLa, uint64_t{0x40000000}}) ASSERT_TRUE(m.read(la).ok());
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    EXPECT_EQ(m.mmu.stats().dtlb.hits[static_cast<unsigned>(PageSize::k4K)], 1u);
    EXPECT_EQ(m.mmu.stats().dtlb.hits[static_cast<unsigned>(PageSize::k2M)], 1u);
}

// Reads two 2 MB pages through a one-entry 2 MB D-TLB, then the first again: returns the walks.
uint64_t walks_for_two_large_pages(bool stlb_holds_2m) {
    MmuConfig c;
    c.dtlb_2m = TlbConfig{1, 1};
    c.stlb_holds_2m = stlb_holds_2m;
    Machine m(c);
    m.pt.map(0x40000000, 0x600000, M2);
    m.pt.map(0x40200000, 0x800000, M2);
    m.enable();
    for (uint64_t la : {0x40000000, 0x40200000, 0x40000000}) EXPECT_TRUE(m.read(la).ok());
    return m.mmu.stats().walks;
}

TEST(TlbHierarchy, TheStlbHoldsOnlyThePageSizesItIsConfiguredFor) {
    EXPECT_EQ(walks_for_two_large_pages(true), 2u);
    EXPECT_EQ(walks_for_two_large_pages(false), 3u);
}

TEST(TlbHierarchy, OneGigabytePagesUseTheirOwnSecondLevelStructure) {
    MmuConfig c;  // Skylake: the STLB holds 4K and 2M, a 16-entry structure holds 1G
    c.dtlb_1g = TlbConfig{1, 1};
    Machine m(c);
    m.pt.map(0x40000000, 0x40000000, G1);
    m.pt.map(0x80000000, 0x80000000, G1);
    m.enable();
    for (uint64_t la : {uint64_t{0x40000000}, uint64_t{0x80000000}, uint64_t{0x40000000}}) ASSERT_TRUE(m.read(la).ok());
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    EXPECT_EQ(m.mmu.stats().stlb.hits[static_cast<unsigned>(PageSize::k1G)], 1u);
}

TEST(TlbHierarchy, ALargePageWithoutAnL1StructureIsCachedAsSmallerEntries) {
    // Skylake's I-TLB has no 1 GB entries: a 1 GB code page is cached as 2 MB pieces.
    MmuConfig c;
    c.stlb = TlbConfig{};
    c.stlb_1g = TlbConfig{};
    Machine m(c);
    m.pt.map(0x40000000, 0x40000000, G1);
    m.enable();
    const Translation first = m.fetch(0x40000000);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first.page_size, PageSize::k1G);
    const Translation same_piece = m.fetch(0x40001000);
    EXPECT_EQ(same_piece.pa, 0x40001000u);
    EXPECT_EQ(m.mmu.stats().walks, 1u);
    const Translation next_piece = m.fetch(0x40200000);
    EXPECT_EQ(next_piece.pa, 0x40200000u);
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    EXPECT_EQ(m.mmu.stats().itlb.hits[static_cast<unsigned>(PageSize::k1G)], 1u);
}

TEST(TlbHierarchy, InstructionAndDataSidesHaveSeparateL1s) {
    MmuConfig c;
    c.stlb = TlbConfig{};
    Machine m(c);
    m.pt.map(kLa, kPa, K4);
    m.enable();
    ASSERT_TRUE(m.fetch(kLa).ok());
    ASSERT_TRUE(m.read(kLa).ok());
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    ASSERT_TRUE(m.read(kLa).ok());
    ASSERT_TRUE(m.fetch(kLa).ok());
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    EXPECT_EQ(m.mmu.stats().itlb.hits[0], 1u);
    EXPECT_EQ(m.mmu.stats().dtlb.hits[0], 1u);
}

// No TLBs, paging-structure caches only.
MmuConfig psc_only() {
    MmuConfig c = no_caching();
    MmuConfig d;
    c.psc_pde = d.psc_pde;
    c.psc_pdpte = d.psc_pdpte;
    c.psc_pml4e = d.psc_pml4e;
    return c;
}

TEST(PagingStructureCaches, TheDeepestHitSkipsTheLevelsAboveIt) {
    Machine m(psc_only());
    const uint64_t base = 0x7000000000;
    const uint64_t step[] = {0, K4, M2, G1, uint64_t{512} << 30};  // same PT, PD, PDPT, none
    for (uint64_t s : step) m.pt.map(base + s, kPa, K4);
    m.enable();
    for (uint64_t s : step) ASSERT_TRUE(m.read(base + s).ok());
    const MmuStats& st = m.mmu.stats();
    EXPECT_EQ(st.psc_hits[2], 1u);  // base + 4K: the PDE cached, one read (the PTE)
    EXPECT_EQ(st.psc_hits[3], 1u);  // base + 2M: the PDPTE cached, two reads
    EXPECT_EQ(st.psc_hits[4], 1u);  // base + 1G: the PML4E cached, three reads
    EXPECT_EQ(st.walks_by_refs[1], 1u);
    EXPECT_EQ(st.walks_by_refs[2], 1u);
    EXPECT_EQ(st.walks_by_refs[3], 1u);
    EXPECT_EQ(st.walks_by_refs[4], 2u);  // the first walk and base + 512G
    EXPECT_EQ(st.walk_refs, 1u + 2 + 3 + 4 + 4);
}

TEST(PagingStructureCaches, LegacyPagingCachesPdes) {
    MmuConfig c = psc_only();
    Machine m(c, Format::Legacy);
    m.pt.map(0x00401000, 0x00777000, K4);
    m.pt.map(0x00402000, 0x00778000, K4);
    m.enable();
    ASSERT_TRUE(m.read(0x00401000).ok());
    const Translation t = m.read(0x00402010);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x00778010u);
    EXPECT_EQ(m.mmu.stats().psc_hits[2], 1u);
    EXPECT_EQ(m.mmu.stats().walk_refs, 3u);
}

// Distinct latencies per level, so that a sum says where each reference was served.
common::CacheHierarchyConfig distinct_latencies() {
    common::CacheHierarchyConfig c;
    c.l1d.hit_cycles = 3;
    c.l2.hit_cycles = 11;
    c.l3.hit_cycles = 37;
    c.memory_cycles = 101;
    return c;
}

TEST(WalkLatency, AWalkCostsTheSumOfItsReferences) {
    const common::CacheHierarchyConfig cc = distinct_latencies();
    Machine m(no_caching(), Format::Long4, cc);
    m.pt.map(kLa, kPa, K4, P | RW | US | A, P | RW | US | A);  // no A writes
    m.enable();
    EXPECT_EQ(m.read(kLa).cycles, 4 * cc.memory_cycles);  // cold: four reads from memory
    EXPECT_EQ(m.read(kLa).cycles, 4 * cc.l1d.hit_cycles);
    EXPECT_EQ(m.mmu.stats().walk_refs_served[static_cast<unsigned>(common::CacheLevel::Memory)], 4u);
    EXPECT_EQ(m.mmu.stats().walk_refs_served[static_cast<unsigned>(common::CacheLevel::L1)], 4u);
    EXPECT_EQ(m.mmu.stats().walk_cycles, 4u * cc.memory_cycles + 4 * cc.l1d.hit_cycles);
}

TEST(WalkLatency, ReferencesThatMissL1AreServedByL2) {
    common::CacheHierarchyConfig cc = distinct_latencies();
    cc.l1d.size = 64;  // one line: each reference evicts the one before
    cc.l1d.ways = 1;
    Machine m(no_caching(), Format::Long4, cc);
    m.pt.map(kLa, kPa, K4, P | RW | US | A, P | RW | US | A);
    m.enable();
    m.read(kLa);
    EXPECT_EQ(m.read(kLa).cycles, 4 * cc.l2.hit_cycles);
}

TEST(WalkLatency, TheStlbLookupPrecedesTheWalk) {
    const common::CacheHierarchyConfig cc = distinct_latencies();
    MmuConfig c = no_caching();
    c.stlb = TlbConfig{16, 4};
    Machine m(c, Format::Long4, cc);
    m.pt.map(kLa, kPa, K4, P | RW | US | A, P | RW | US | A);
    m.enable();
    EXPECT_EQ(m.read(kLa).cycles, c.stlb_hit_cycles + 4 * cc.memory_cycles);
}

// Two walks issued in the same cycle; returns their latencies.
std::pair<uint32_t, uint32_t> two_walks_at_once(unsigned walkers, MmuStats* stats) {
    MmuConfig c = no_caching();
    c.walkers = walkers;
    Machine m(c);
    m.pt.map(kLa, kPa, K4);
    m.pt.map(kLa + K4, kPa + K4, K4);
    m.enable();
    const Translation a = m.mmu.translate_at(kLa, Access::Read, Privilege::User, 100);
    const Translation b = m.mmu.translate_at(kLa + K4, Access::Read, Privilege::User, 100);
    EXPECT_TRUE(a.ok() && b.ok());
    *stats = m.mmu.stats();
    return {a.cycles, b.cycles};
}

TEST(Walkers, AWalkThatFindsEveryWalkerBusyWaitsForTheFirstToFinish) {
    MmuStats one, two;
    const auto [a1, b1] = two_walks_at_once(1, &one);
    const auto [a2, b2] = two_walks_at_once(2, &two);
    EXPECT_EQ(a1, a2);
    EXPECT_EQ(b1, a2 + b2);  // waited for the whole first walk
    EXPECT_EQ(one.walker_waits, 1u);
    EXPECT_EQ(one.walker_wait_cycles, a2);
    EXPECT_EQ(two.walker_waits, 0u);
}

TEST(Walkers, ABlockingCoreNeverWaitsForAWalker) {
    MmuConfig c = no_caching();
    c.walkers = 1;
    Machine m(c);
    m.pt.map(kLa, kPa, K4);
    m.pt.map(kLa + K4, kPa + K4, K4);
    m.enable();
    const Translation a = m.mmu.translate_at(kLa, Access::Read, Privilege::User, 0);
    m.mmu.translate_at(kLa + K4, Access::Read, Privilege::User, a.cycles);  // issued when a finished
    m.read(kLa);                                                          // untimed
    EXPECT_EQ(m.mmu.stats().walker_waits, 0u);
}

// Pages A B A C A through a two-entry fully associative D-TLB: returns the walks.
uint64_t walks_with(common::Replacement policy) {
    MmuConfig c = no_caching();
    c.dtlb_4k = TlbConfig{2, 2, policy};
    Machine m(c);
    for (uint64_t i = 0; i < 3; ++i) m.pt.map(kLa + i * K4, kPa + i * K4, K4);
    m.enable();
    for (uint64_t i : {0, 1, 0, 2, 0}) EXPECT_TRUE(m.read(kLa + i * K4).ok());
    return m.mmu.stats().walks;
}

TEST(Replacement, EachStructureUsesItsOwnPolicy) {
    EXPECT_EQ(walks_with(common::Replacement::Lru), 3u);   // C evicts B, A hits
    EXPECT_EQ(walks_with(common::Replacement::Fifo), 4u);  // C evicts A, the oldest
}

TEST(MmuStats, ListNamesEveryCounterOnceWithItsValue) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    m.read(kLa, Privilege::User);
    m.read(kLa, Privilege::User);
    m.write(kLa, Privilege::User);  // fault 0x07 from the cached rights
    const common::StatList list = m.mmu.stats().list();
    std::set<std::string> names;
    for (const common::StatEntry& e : list) {
        EXPECT_TRUE(names.insert(e.name).second) << e.name;
        EXPECT_FALSE(e.description.empty()) << e.name;
    }
    auto value = [&](const std::string& name) {
        for (const common::StatEntry& e : list)
            if (e.name == name) return e.value;
        ADD_FAILURE() << "no statistic " << name;
        return uint64_t{0};
    };
    EXPECT_EQ(value("walks"), 1u);
    EXPECT_EQ(value("dtlb.hits.4k"), 1u);
    EXPECT_EQ(value("dtlb.misses.4k"), 1u);
    EXPECT_EQ(value("stlb.misses.4k"), 1u);
    EXPECT_EQ(value("faults.ec_0x07"), 1u);
    EXPECT_EQ(value("faults.page"), 1u);
    EXPECT_EQ(value("tlb_faults"), 1u);
    EXPECT_EQ(value("walk.refs.memory") + value("walk.refs.l1d") + value("walk.refs.l2") + value("walk.refs.l3"), 4u);
    EXPECT_EQ(names.count("faults.ec_0x09"), 1u);  // reserved bit, read
    EXPECT_EQ(names.count("faults.ec_0x08"), 0u);  // RSVD without P cannot happen
    EXPECT_EQ(names.count("psc.pml5e.hits"), 1u);
}

// The host-side hints (Mmu::prefetch_walk, CacheHierarchy::prefetch) only warm the host's caches:
// two machines that see the same accesses, one of them also hinted (at the address that comes
// next, at an unrelated one, at one never mapped), translate every access alike and end with the
// same statistics, TLB and cache contents.
TEST(TlbHierarchy, HostPrefetchHintsChangeNothingInTheModel) {
    MmuConfig c;
    c.dtlb_4k = TlbConfig{16, 4};
    c.stlb = TlbConfig{64, 4};
    common::CacheHierarchyConfig cc;
    cc.l1d = {4096, 4, 4};
    cc.l2 = {16384, 4, 12};
    cc.l3 = {65536, 8, 40};
    Machine hinted(c, Format::Long4, cc), plain(c, Format::Long4, cc);
    constexpr unsigned kPages = 512;  // more than the STLB holds: walks and cache misses
    for (Machine* m : {&hinted, &plain}) {
        for (uint64_t i = 0; i < kPages; ++i) m->pt.map(kLa + i * K4, kPa + i * K4, K4);
        m->enable();
    }
    uint64_t x = 88172645463325252u;  // xorshift64, any fixed stream
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return kLa + (x % kPages) * K4 + (x >> 40) % K4 / 8 * 8;
    };
    uint64_t la = next();
    for (int i = 0; i < 20000; ++i) {
        const uint64_t following = next();
        hinted.mmu.prefetch_walk(following);
        hinted.caches.prefetch(kPa + (following - kLa));
        hinted.mmu.prefetch_walk(0x123456789000);  // never mapped
        hinted.caches.prefetch(~uint64_t{0} - 63);
        const Access a = i % 3 == 0 ? Access::Write : Access::Read;
        const Translation th = hinted.mmu.translate(la, a, Privilege::Supervisor);
        const Translation tp = plain.mmu.translate(la, a, Privilege::Supervisor);
        ASSERT_EQ(th.ok(), tp.ok()) << i;
        ASSERT_EQ(th.pa, tp.pa) << i;
        ASSERT_EQ(th.cycles, tp.cycles) << i;
        ASSERT_EQ(hinted.caches.access(th.pa).cycles, plain.caches.access(tp.pa).cycles) << i;
        la = following;
    }
    const auto hs = hinted.mmu.stats().list(), ps = plain.mmu.stats().list();
    ASSERT_EQ(hs.size(), ps.size());
    for (size_t i = 0; i < hs.size(); ++i) EXPECT_EQ(hs[i].value, ps[i].value) << hs[i].name;
    EXPECT_GT(plain.mmu.stats().walks, 1000u);  // the stream did exercise the walker
    const auto hc = hinted.caches.stats().list(), pc = plain.caches.stats().list();
    for (size_t i = 0; i < hc.size(); ++i) EXPECT_EQ(hc[i].value, pc[i].value) << hc[i].name;
}


// The miss path compiled for the Skylake geometry (MmuConfig::compiled_paths) against the generic
// one, on that geometry: a seeded stream of reads, writes and fetches, user and supervisor, over 4 KB
// pages (more than the STLB holds, some read-only, some not present), with INVLPG and CR3 reloads
// between them, translates every access alike and leaves the same statistics, cache-model
// statistics and A/D bits in memory. The compiled path serves only while no global or large page
// is cached, so 2 MB and global pages join the stream in a middle phase, after which a change of
// CR4.PGE empties every structure and the 4 KB stream resumes.
TEST(TlbHierarchy, TheCompiledMissPathTranslatesAsTheGenericOne) {
    MmuConfig generic_config;
    generic_config.compiled_paths = false;
    Machine compiled{MmuConfig{}}, generic{generic_config};
    constexpr unsigned kPages = 2048;  // 4 KB pages at kLa: beyond the STLB's 1536 entries
    constexpr uint64_t kLarge = 0x7040000000, kGlobal = 0x7080000000;  // a 2 MB page, global 4 KB pages
    for (Machine* m : {&compiled, &generic}) {
        for (uint64_t i = 0; i < kPages; ++i) {
            const uint64_t leaf = i % 97 == 5 ? 0 : i % 13 == 0 ? P | US : P | RW | US;  // absent, read-only, RW
            if (leaf) m->pt.map(kLa + i * K4, kPa + i * K4, K4, leaf);
        }
        m->pt.map(kLarge, 0x600000, M2);
        for (uint64_t i = 0; i < 8; ++i) m->pt.map(kGlobal + i * K4, 0x500000 + i * K4, K4, P | RW | G);
        m->enable(CR4_PGE);
    }
    uint64_t x = 88172645463325252u;  // xorshift64, any fixed stream
    for (int i = 0; i < 60000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (i == 45000) {
            for (Machine* m : {&compiled, &generic}) {
                ASSERT_TRUE(m->mmu.write_cr4(m->mmu.cr4() & ~CR4_PGE));
                ASSERT_TRUE(m->mmu.write_cr4(m->mmu.cr4() | CR4_PGE));
            }
        }
        const bool mixed = i >= 30000 && i < 45000;
        const unsigned kind = mixed ? x % 16 : 2;
        const uint64_t la = kind == 0   ? kLarge + (x >> 20) % M2 / 8 * 8
                            : kind == 1 ? kGlobal + (x >> 20) % 8 * K4
                                        : kLa + (x >> 20) % kPages * K4 + (x >> 40) % K4 / 8 * 8;
        const Access a = (x >> 8) % 4 == 0 ? Access::Write : (x >> 8) % 4 == 1 ? Access::Fetch : Access::Read;
        const Privilege p = (x >> 12) % 8 == 0 ? Privilege::Supervisor : Privilege::User;
        if ((x >> 16) % 5000 == 0) {
            compiled.mmu.invlpg(la);
            generic.mmu.invlpg(la);
        } else if ((x >> 16) % 7000 == 1) {
            ASSERT_TRUE(compiled.mmu.write_cr3(compiled.mmu.cr3()));
            ASSERT_TRUE(generic.mmu.write_cr3(generic.mmu.cr3()));
        }
        const Translation tc = compiled.mmu.translate(la, a, p), tg = generic.mmu.translate(la, a, p);
        ASSERT_EQ(tc.fault, tg.fault) << i;
        ASSERT_EQ(tc.pa, tg.pa) << i;
        ASSERT_EQ(tc.cycles, tg.cycles) << i;
        ASSERT_EQ(tc.error_code, tg.error_code) << i;
        ASSERT_EQ(tc.page_size, tg.page_size) << i;
        if (tc.ok()) {
            ASSERT_EQ(compiled.caches.access(tc.pa).cycles, generic.caches.access(tg.pa).cycles) << i;
        }
    }
    const auto cs = compiled.mmu.stats().list(), gs = generic.mmu.stats().list();
    ASSERT_EQ(cs.size(), gs.size());
    for (size_t i = 0; i < cs.size(); ++i) EXPECT_EQ(cs[i].value, gs[i].value) << cs[i].name;
    // The stream did reach the paths compared: walks, STLB hits, faults, dirty re-walks.
    EXPECT_GT(generic.mmu.stats().walks, 10000u);
    EXPECT_GT(generic.mmu.stats().stlb.hits[0], 1000u);
    EXPECT_GT(generic.mmu.stats().walk_faults, 100u);
    EXPECT_GT(generic.mmu.stats().dirty_rewalks, 100u);
    const auto cc = compiled.caches.stats().list(), gc = generic.caches.stats().list();
    for (size_t i = 0; i < cc.size(); ++i) EXPECT_EQ(cc[i].value, gc[i].value) << cc[i].name;
    EXPECT_EQ(0, std::memcmp(compiled.ram.data(), generic.ram.data(), compiled.ram.size()));  // A and D bits
}

// The compiled path's walk (walk_fixed: the probes and levels 2 and 1 unrolled, the rest in the
// generic loop) against the generic walk on random page tables: every level's entries drawn with
// random P, R/W, U/S, XD, A, D and G bits, some with a reserved bit (above MAXPHYADDR, PS in a
// PML4E, a large page's bits 20:13), some 2 MB and 1 GB pages, some tables placed where no memory
// answers (a bus error one level down). A seeded stream of reads, writes and fetches, user and
// supervisor, untimed and timed (translate_at), with INVLPG, CR3 reloads (which empty the
// paging-structure caches, so that walks start at every level), rewrites of entries in memory and
// full flushes (the compiled path serves only while no large or global page is cached), translates
// every access alike and leaves the same statistics, cache-model statistics and memory (A and D).
TEST(TlbHierarchy, TheCompiledWalkWalksRandomTablesAsTheGenericOne) {
    MmuConfig generic_config;
    generic_config.compiled_paths = false;
    Machine compiled{MmuConfig{}}, generic{generic_config};
    constexpr uint64_t kBase = uint64_t{0xe0} << 39;  // PML4 slots 0xe0 and 0xe1, canonical
    constexpr unsigned kPml4 = 2, kPdpt = 4, kPd = 8, kPt = 16;  // entries used per table
    constexpr uint64_t kNowhere = 0x40000000;  // beyond the fixture's 8 MB of RAM
    uint64_t x = 0x9e3779b97f4a7c15u;  // xorshift64
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    auto one_in = [&next](unsigned n) { return next() % n == 0; };
    // An entry of `level` (4 PML4E .. 1 PTE) referencing `target` (a table, or a page with PS).
    // Tables deny less often than leaves, so that most walks reach a leaf.
    auto entry = [&](unsigned level, uint64_t target, bool large) {
        const bool leaf = level == 1 || large;
        const unsigned deny = leaf ? 4 : 16;
        uint64_t e = target | (one_in(4 * deny) ? 0 : P) | (one_in(deny) ? 0 : RW) | (one_in(deny) ? 0 : US) |
                     (one_in(2) ? A : 0) | (one_in(2) ? D : 0) | (one_in(2 * deny) ? XD : 0) | (large ? PS : 0);
        if ((level == 1 || large) && one_in(24)) e |= G;
        if (one_in(6 * deny)) {
            const unsigned kind = next() % 3;
            e |= kind == 0 ? uint64_t{1} << 45            // above MAXPHYADDR (39)
                 : kind == 1 && level == 4 ? PS           // PS in a PML4E
                 : large ? uint64_t{1} << 14 : uint64_t{1} << 50;  // a large page's reserved bits 20:13
        }
        return e;
    };
    // Both machines get the same tables: the builder is run twice on the same stream.
    const uint64_t seed = x;
    std::vector<uint64_t> pte_addresses;
    for (Machine* m : {&compiled, &generic}) {
        x = seed;
        pte_addresses.clear();
        PageTables& pt = m->pt;
        for (unsigned i4 = 0; i4 < kPml4; ++i4) {
            const uint64_t pdpt = pt.alloc();
            pt.write(pt.root() + (0xe0 + i4) * 8, entry(4, pdpt, false));
            for (unsigned i3 = 0; i3 < kPdpt; ++i3) {
                if (i4 == 1 && i3 == kPdpt - 1) {  // a 1 GB page that every access may use
                    pt.write(pdpt + i3 * 8, 2 * G1 | P | RW | US | PS);
                    continue;
                }
                if (one_in(4)) {  // a 1 GB page
                    pt.write(pdpt + i3 * 8, entry(3, (next() % 4) * G1, true));
                    continue;
                }
                const uint64_t pd = pt.alloc();
                pt.write(pdpt + i3 * 8, entry(3, one_in(32) ? kNowhere : pd, false));
                for (unsigned i2 = 0; i2 < kPd; ++i2) {
                    if (one_in(6)) {  // a 2 MB page
                        pt.write(pd + i2 * 8, entry(2, (next() % 512) * M2, true));
                        continue;
                    }
                    const uint64_t table = pt.alloc();
                    pt.write(pd + i2 * 8, entry(2, one_in(48) ? kNowhere : table, false));
                    for (unsigned i1 = 0; i1 < kPt; ++i1) {
                        pt.write(table + i1 * 8, entry(1, (next() % (1u << 20)) * K4, false));
                        pte_addresses.push_back(table + i1 * 8);
                    }
                }
            }
        }
        m->enable(CR4_PGE);
    }
    uint64_t now = 0;
    for (int i = 0; i < 60000; ++i) {
        const uint64_t r = next();
        if (i % 1000 == 999) {  // empties every structure: the compiled path serves again
            for (Machine* m : {&compiled, &generic}) {
                ASSERT_TRUE(m->mmu.write_cr4(m->mmu.cr4() & ~CR4_PGE));
                ASSERT_TRUE(m->mmu.write_cr4(m->mmu.cr4() | CR4_PGE));
            }
        }
        const uint64_t la = kBase + (r % kPml4) * (uint64_t{1} << 39) + ((r >> 4) % (kPdpt + 1)) * G1 +
                            ((r >> 8) % kPd) * M2 + ((r >> 12) % kPt) * K4 + (r >> 40) % K4;
        const Access a = (r >> 20) % 3 == 0 ? Access::Write : (r >> 20) % 3 == 1 ? Access::Fetch : Access::Read;
        const Privilege p = (r >> 24) % 4 == 0 ? Privilege::Supervisor : Privilege::User;
        const unsigned event = (r >> 28) % 512;
        if (event == 0) {
            compiled.mmu.invlpg(la);
            generic.mmu.invlpg(la);
        } else if (event == 1) {
            ASSERT_TRUE(compiled.mmu.write_cr3(compiled.mmu.cr3()));
            ASSERT_TRUE(generic.mmu.write_cr3(generic.mmu.cr3()));
        } else if (event < 12) {  // software rewrites a PTE without invalidating: stale entries
            const uint64_t at = pte_addresses[(r >> 37) % pte_addresses.size()];
            const uint64_t flip = event % 2 ? A | D : RW;
            compiled.pt.write(at, compiled.pt.read(at) ^ flip);
            generic.pt.write(at, generic.pt.read(at) ^ flip);
        }
        const bool timed = (r >> 36) % 2;
        now += (r >> 50) % 40;
        const Translation tc = timed ? compiled.mmu.translate_at(la, a, p, now) : compiled.mmu.translate(la, a, p);
        const Translation tg = timed ? generic.mmu.translate_at(la, a, p, now) : generic.mmu.translate(la, a, p);
        ASSERT_EQ(tc.fault, tg.fault) << i;
        ASSERT_EQ(tc.pa, tg.pa) << i;
        ASSERT_EQ(tc.cycles, tg.cycles) << i;
        ASSERT_EQ(tc.error_code, tg.error_code) << i;
        ASSERT_EQ(tc.page_size, tg.page_size) << i;
        ASSERT_EQ(tc.cr2, tg.cr2) << i;
    }
    const auto cs = compiled.mmu.stats().list(), gs = generic.mmu.stats().list();
    ASSERT_EQ(cs.size(), gs.size());
    for (size_t i = 0; i < cs.size(); ++i) EXPECT_EQ(cs[i].value, gs[i].value) << cs[i].name;
    const auto cc = compiled.caches.stats().list(), gc = generic.caches.stats().list();
    for (size_t i = 0; i < cc.size(); ++i) EXPECT_EQ(cc[i].value, gc[i].value) << cc[i].name;
    EXPECT_EQ(0, std::memcmp(compiled.ram.data(), generic.ram.data(), compiled.ram.size()));  // A and D bits
    // The stream reached the outcomes compared: walks from each paging-structure cache and from
    // CR3, every kind of fault, bus errors, A and D set, walker waits, large and global pages.
    const MmuStats& g = generic.mmu.stats();
    for (unsigned level = 2; level <= 4; ++level) EXPECT_GT(g.psc_hits[level], 20u) << level;
    EXPECT_GT(g.walks_by_refs[4], 20u);
    EXPECT_GT(g.page_faults[EC_P | EC_RSVD] + g.page_faults[EC_P | EC_RSVD | EC_U], 20u);
    EXPECT_GT(g.page_faults[EC_P | EC_W | EC_U], 20u);                       // a protection fault
    EXPECT_GT(g.page_faults[0] + g.page_faults[EC_U] + g.page_faults[EC_W | EC_U], 20u);  // not present
    EXPECT_GT(g.page_faults[EC_P | EC_I | EC_U], 20u);                       // XD
    EXPECT_GT(g.bus_errors, 20u);
    EXPECT_GT(g.a_set, 100u);
    EXPECT_GT(g.d_set, 100u);
    EXPECT_GT(g.dirty_rewalks, 20u);
    EXPECT_GT(g.walker_waits, 20u);
    EXPECT_GT(g.dtlb.hits[static_cast<unsigned>(PageSize::k2M)] + g.dtlb.misses[static_cast<unsigned>(PageSize::k2M)], 20u);
    EXPECT_GT(g.dtlb.misses[static_cast<unsigned>(PageSize::k1G)], 20u);
    EXPECT_GT(g.stlb.misses[0], 1000u);
}

}  // namespace
}  // namespace vmsim::x86::test
