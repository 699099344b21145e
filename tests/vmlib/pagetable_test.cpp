// The AVM page-table structures (vmlib/avm/pt.h), compiled for the host: one
// property suite that every entry of avm_pagetables runs, so a structure added
// to the list is held to the same contract as the paper's linear table; then
// what each structure promises beyond it (its limits, its sizes, the inverted
// table's frame lookup).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pt.h"
#include "vmsim/bootparams.h"

namespace {

constexpr uint32_t kFrames = 4096;  // the frames the host tests give the structures (16 MB)
constexpr uint32_t kPageShift = AVM_PT_PAGE_SHIFT;

uint32_t lo_of(uint32_t frame, uint32_t vpn) { return frame << kPageShift | (vpn & 0xfffu); }
uint32_t frame_of(const avm_pte* e) { return e->lo >> kPageShift; }

// Frames as the kernel hands them out: each page its own, the lowest free one
// first, freed frames reused. Past kFrames it hands out frames the table was not
// sized for (which only the inverted table cares about).
class Frames {
public:
    uint32_t take() {
        if (free_.empty()) return next_++;
        const uint32_t f = free_.back();
        free_.pop_back();
        return f;
    }
    void give_back(uint32_t f) { free_.push_back(f); }

private:
    uint32_t next_ = 0;
    std::vector<uint32_t> free_;
};

class PageTable : public ::testing::TestWithParam<unsigned> {
protected:
    void SetUp() override {
        pt = avm_pagetables[GetParam()];
        ASSERT_EQ(pt->init(&params), 0);
    }

    // Maps vpn to a frame of its own with data derived from vpn (lo's low bits,
    // cap), so that a lookup finding another page's entry is caught.
    avm_pte* insert_marked(uint32_t vpn) {
        const uint32_t frame = frames.take();
        avm_pte* e = pt->insert(vpn, lo_of(frame, vpn));
        if (e) {
            e->cap = ~vpn;
            frame_by_vpn[vpn] = frame;
        } else {
            frames.give_back(frame);
        }
        return e;
    }
    void remove_marked(uint32_t vpn) {
        ASSERT_EQ(pt->remove(vpn), 0) << "page " << vpn;
        frames.give_back(frame_by_vpn.at(vpn));
        frame_by_vpn.erase(vpn);
    }
    void expect_marked(uint32_t vpn) {
        const avm_pte* e = pt->lookup(vpn);
        ASSERT_NE(e, nullptr) << "page " << vpn;
        EXPECT_EQ(e->vpn, vpn);
        EXPECT_EQ(e->lo, lo_of(frame_by_vpn.at(vpn), vpn)) << "page " << vpn;
        EXPECT_EQ(e->cap, ~vpn) << "page " << vpn;
    }

    avm_pt_params params{kFrames, 0};
    const avm_pt_ops* pt = nullptr;
    Frames frames;
    std::map<uint32_t, uint32_t> frame_by_vpn;
};

std::string structure_name(const ::testing::TestParamInfo<unsigned>& info) {
    return avm_pagetables[info.param]->name;
}

INSTANTIATE_TEST_SUITE_P(EveryStructure, PageTable, ::testing::Range(0u, avm_npagetables), structure_name);

TEST_P(PageTable, EmptyTableHasNoPage) {
    for (uint32_t vpn : {0u, 1u, 0x3ffffu, 0x7ffffu}) {
        EXPECT_EQ(pt->lookup(vpn), nullptr) << vpn;
        EXPECT_EQ(pt->remove(vpn), -1) << vpn;
        if (pt->run) {
            EXPECT_EQ(pt->run(vpn, 1), nullptr) << vpn;
        }
    }
}

TEST_P(PageTable, InitEmptiesAFilledTable) {
    for (uint32_t vpn = 10; vpn < 20; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    ASSERT_EQ(pt->init(&params), 0);
    for (uint32_t vpn = 10; vpn < 20; ++vpn) EXPECT_EQ(pt->lookup(vpn), nullptr) << vpn;
}

TEST_P(PageTable, InsertReturnsAnEntryWithItsFrameThatLookupFinds) {
    avm_pte* e = pt->insert(0x1234, lo_of(7, 0x1234));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->vpn, 0x1234u);
    EXPECT_EQ(e->lo, lo_of(7, 0x1234));
    EXPECT_EQ(e->cap, 0u);
    EXPECT_EQ(pt->lookup(0x1234), e);
    EXPECT_EQ(pt->lookup(0x1233), nullptr);
    EXPECT_EQ(pt->lookup(0x1235), nullptr);
}

TEST_P(PageTable, InsertOutsideKusegIsRefused) {
    EXPECT_EQ(pt->insert(AVM_PT_VPNS, lo_of(1, 0)), nullptr);
    EXPECT_EQ(pt->insert(0xffffffffu, lo_of(2, 0)), nullptr);
    EXPECT_EQ(pt->lookup(AVM_PT_VPNS), nullptr);
    EXPECT_NE(insert_marked(AVM_PT_VPNS - 1), nullptr);  // the last page of kuseg
    expect_marked(AVM_PT_VPNS - 1);
}

// AEGIS_SYS_TLB_WRITE_RANGE reads {lo, cap} pairs and refuses one that is not
// 8-byte aligned; avm_protect hands it the entries of a run.
TEST_P(PageTable, EveryEntrysLoAndCapAreOneAlignedPair) {
    for (uint32_t vpn = 0x10000; vpn < 0x10000 + 300; ++vpn) {
        const avm_pte* e = insert_marked(vpn);
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(&e->lo) % 8, 0u) << "page " << vpn;
        EXPECT_EQ(reinterpret_cast<const char*>(&e->cap) - reinterpret_cast<const char*>(&e->lo), 4);
    }
}

TEST_P(PageTable, InsertOfAnExistingPageReplacesItsFrameAndKeepsOneEntry) {
    ASSERT_NE(insert_marked(77), nullptr);
    const uint32_t moved = frames.take();
    const avm_pte* again = pt->insert(77, lo_of(moved, 77));
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again, pt->lookup(77));
    EXPECT_EQ(again->lo, lo_of(moved, 77));
    EXPECT_EQ(again->cap, ~77u);  // kept: only the mapping changed
    ASSERT_EQ(pt->remove(77), 0);
    EXPECT_EQ(pt->lookup(77), nullptr);  // there was only one entry
}

TEST_P(PageTable, MovingAPageToAnotherFrameLeavesTheOthersAlone) {
    for (uint32_t vpn = 500; vpn < 520; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    for (uint32_t vpn : {505u, 519u, 500u}) {
        const uint32_t old = frame_by_vpn[vpn], fresh = frames.take();
        ASSERT_NE(pt->insert(vpn, lo_of(fresh, vpn)), nullptr);
        frame_by_vpn[vpn] = fresh;
        frames.give_back(old);
    }
    for (uint32_t vpn = 500; vpn < 520; ++vpn) expect_marked(vpn);
}

TEST_P(PageTable, RemoveTakesOutOnlyThatPage) {
    for (uint32_t vpn : {99u, 100u, 101u, 5000u}) ASSERT_NE(insert_marked(vpn), nullptr);
    remove_marked(100);
    EXPECT_EQ(pt->lookup(100), nullptr);
    EXPECT_EQ(pt->remove(100), -1);
    for (uint32_t vpn : {99u, 101u, 5000u}) expect_marked(vpn);
}

TEST_P(PageTable, RemovedPageInsertedAgainIsAFreshEntry) {
    for (uint32_t vpn = 40; vpn < 60; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    for (uint32_t vpn = 40; vpn < 60; vpn += 2) remove_marked(vpn);
    for (uint32_t vpn = 40; vpn < 60; vpn += 2) {
        const avm_pte* e = pt->insert(vpn, lo_of(frames.take(), vpn));
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->cap, 0u) << "page " << vpn;  // nothing of the removed entry
        EXPECT_EQ(pt->lookup(vpn), e);
    }
    for (uint32_t vpn = 41; vpn < 60; vpn += 2) expect_marked(vpn);
}

TEST_P(PageTable, NextWalksConsecutivePagesAndStopsAtAHole) {
    for (uint32_t vpn = 300; vpn < 310; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    for (uint32_t vpn : {311u, 250u, 0x7ffffu}) ASSERT_NE(insert_marked(vpn), nullptr);
    avm_pte* e = pt->lookup(300);
    for (uint32_t vpn = 301; vpn < 310; ++vpn) {
        e = pt->next(e);
        ASSERT_NE(e, nullptr) << "after page " << vpn - 1;
        EXPECT_EQ(e->vpn, vpn);
        EXPECT_EQ(e->cap, ~vpn);
    }
    EXPECT_EQ(pt->next(e), nullptr);  // page 310 is not mapped
    EXPECT_EQ(pt->next(pt->lookup(250)), nullptr);
    EXPECT_EQ(pt->next(pt->lookup(0x7ffff)), nullptr);  // the last page of kuseg
}

// hier2's leaves hold 256 pages; the hashed table's default 1024 chains and the
// inverted table's anchors fold at powers of two. Mapped in a shuffled order, the
// pages are not neighbours in a pool or in frames either, so next has to find
// each one by the structure's own path.
TEST_P(PageTable, NextCrossesLeafAndChainBoundariesInAnyInsertionOrder) {
    std::vector<uint32_t> vpns(1100 - 200);
    std::iota(vpns.begin(), vpns.end(), 200u);
    std::shuffle(vpns.begin(), vpns.end(), std::mt19937(7));
    for (uint32_t vpn : vpns) ASSERT_NE(insert_marked(vpn), nullptr) << vpn;
    for (uint32_t first : {200u, 255u, 1023u}) {
        avm_pte* e = pt->lookup(first);
        for (uint32_t vpn = first + 1; vpn < 1100; ++vpn) {
            e = pt->next(e);
            ASSERT_NE(e, nullptr) << "page " << vpn << " from " << first;
            ASSERT_EQ(e->vpn, vpn);
            ASSERT_EQ(e->cap, ~vpn);
        }
        EXPECT_EQ(pt->next(e), nullptr);
    }
}

TEST_P(PageTable, RunIsTheRangeAsOneArrayOrNothing) {
    if (!pt->run) GTEST_SKIP() << "no run operation (it is optional)";
    for (uint32_t vpn = 1000; vpn < 1040; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    ASSERT_NE(insert_marked(1041), nullptr);
    // 1024 is a leaf boundary of hier2 and a chain boundary of the hashed table.
    for (auto [first, n] : {std::pair{1000u, 40u}, std::pair{1005u, 10u}, std::pair{1019u, 1u},
                            std::pair{1020u, 8u}, std::pair{1024u, 16u}}) {
        const avm_pte* r = pt->run(first, n);
        if (!r) continue;  // a structure may not store the range as one array
        for (uint32_t i = 0; i < n; ++i) {
            EXPECT_EQ(&r[i], pt->lookup(first + i)) << first << "+" << i;
            EXPECT_EQ(r[i].vpn, first + i);
        }
    }
    EXPECT_EQ(pt->run(1030, 11), nullptr);  // page 1040 missing
    EXPECT_EQ(pt->run(999, 2), nullptr);    // page 999 missing
    EXPECT_EQ(pt->run(1040, 2), nullptr);   // the hole itself
    EXPECT_EQ(pt->run(1000, 0), nullptr);
}

// A range mapped in one go, in order (what avm_alloc does), is one run in every
// structure that has run, while it stays inside one hier2 leaf: avm_protect's
// one kernel call for a range depends on it.
TEST_P(PageTable, PagesMappedInOrderAreOneRun) {
    if (!pt->run) GTEST_SKIP() << "no run operation (it is optional)";
    for (uint32_t vpn = 0x10000; vpn < 0x10000 + 100; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    const avm_pte* r = pt->run(0x10000, 100);
    ASSERT_NE(r, nullptr);
    for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(&r[i], pt->lookup(0x10000 + i));
}

TEST_P(PageTable, ManyPagesOfADenseRange) {
    constexpr uint32_t kFirst = 0x10000, kCount = 3000;
    for (uint32_t vpn = kFirst; vpn < kFirst + kCount; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr) << vpn;
    EXPECT_EQ(pt->lookup(kFirst - 1), nullptr);
    EXPECT_EQ(pt->lookup(kFirst + kCount), nullptr);
    for (uint32_t vpn = kFirst; vpn < kFirst + kCount; vpn += 3) remove_marked(vpn);
    for (uint32_t vpn = kFirst; vpn < kFirst + kCount; ++vpn) {
        if ((vpn - kFirst) % 3 == 0) {
            EXPECT_EQ(pt->lookup(vpn), nullptr) << vpn;
        } else {
            expect_marked(vpn);
        }
    }
}

// Pages each in its own megabyte (a hier2 leaf each), across all of kuseg.
TEST_P(PageTable, PagesScatteredOverKuseg) {
    std::vector<uint32_t> vpns;
    for (uint32_t k = 0; k < 20; ++k) vpns.push_back(k * 0x6667u % AVM_PT_VPNS);
    for (uint32_t vpn : vpns) ASSERT_NE(insert_marked(vpn), nullptr) << vpn;
    for (uint32_t vpn : vpns) {
        expect_marked(vpn);
        EXPECT_EQ(pt->lookup(vpn + 1), nullptr) << vpn;
        EXPECT_EQ(pt->next(pt->lookup(vpn)), nullptr) << vpn;
    }
    for (size_t i = 0; i < vpns.size(); i += 2) remove_marked(vpns[i]);
    for (size_t i = 1; i < vpns.size(); i += 2) expect_marked(vpns[i]);
}

// Guest structures live in a static arena: inserts end in a 0 once it is used
// up, which changes nothing, and removing pages makes room again (how many
// depends on the structure: a hier2 leaf is freed with its last page).
TEST_P(PageTable, InsertReturnsNullWhenFullAndRemovingMakesRoom) {
    constexpr uint32_t kMaxInserts = 1u << 20;  // a structure that never fills fails, not loops
    std::vector<uint32_t> stored;
    while (stored.size() < kMaxInserts && insert_marked(3 * static_cast<uint32_t>(stored.size())))
        stored.push_back(3 * static_cast<uint32_t>(stored.size()));
    ASSERT_LT(stored.size(), kMaxInserts) << "never full";
    ASSERT_GT(stored.size(), 100u);
    const uint32_t rejected = 3 * static_cast<uint32_t>(stored.size());
    EXPECT_EQ(pt->lookup(rejected), nullptr);
    for (uint32_t vpn : stored) expect_marked(vpn);
    // An existing page is still found (and remapped) by insert when full.
    const uint32_t middle = stored[stored.size() / 2];
    EXPECT_EQ(pt->insert(middle, lo_of(frame_by_vpn[middle], middle)), pt->lookup(middle));
    size_t removed = 0;
    while (removed < stored.size() && !insert_marked(rejected)) remove_marked(stored[removed++]);
    ASSERT_LT(removed, stored.size()) << "removing every page made no room";
    expect_marked(rejected);
    for (size_t i = removed; i < stored.size(); ++i) expect_marked(stored[i]);
}

TEST_P(PageTable, BytesGrowWithPagesAndReturnWhenTheyAreRemoved) {
    const uint32_t empty = pt->bytes();
    uint32_t last = empty;
    for (uint32_t vpn = 0x20000; vpn < 0x20000 + 600; vpn += 2) {
        ASSERT_NE(insert_marked(vpn), nullptr);
        EXPECT_GE(pt->bytes(), last) << "page " << vpn;
        last = pt->bytes();
    }
    EXPECT_GE(last, 300 * sizeof(avm_pte)) << "less than the entries themselves";
    for (uint32_t vpn = 0x20000; vpn < 0x20000 + 600; vpn += 2) remove_marked(vpn);
    EXPECT_EQ(pt->bytes(), empty);
}

// Random operations against std::map as the reference, fixed seed. Pages get
// frames as the kernel hands them out, and now and then move to another frame.
TEST_P(PageTable, RandomOperationsAgreeWithAReferenceMap) {
    std::mt19937 rng(20240607u);
    constexpr uint32_t kPages = 1500;  // a range small enough for removes and holes to recur
    std::map<uint32_t, uint32_t> cap_of;
    auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    for (int step = 0; step < 40000; ++step) {
        const uint32_t vpn = pick(kPages);
        const uint32_t what = pick(100);
        const bool mapped = cap_of.count(vpn) == 1;
        SCOPED_TRACE("step " + std::to_string(step) + " page " + std::to_string(vpn));
        if (what < 40) {  // insert: a new page, or an existing one to a new frame
            const uint32_t frame = frames.take();
            avm_pte* e = pt->insert(vpn, lo_of(frame, vpn ^ step));
            ASSERT_NE(e, nullptr);  // far below any structure's capacity
            ASSERT_EQ(e->vpn, vpn);
            ASSERT_EQ(e->lo, lo_of(frame, vpn ^ step));
            if (mapped) {
                ASSERT_EQ(e->cap, cap_of[vpn]);
                frames.give_back(frame_by_vpn[vpn]);
            }
            e->cap = rng();
            cap_of[vpn] = e->cap;
            frame_by_vpn[vpn] = frame;
        } else if (what < 65) {  // remove
            ASSERT_EQ(pt->remove(vpn), mapped ? 0 : -1);
            if (mapped) {
                frames.give_back(frame_by_vpn[vpn]);
                frame_by_vpn.erase(vpn);
                cap_of.erase(vpn);
            }
        } else if (what < 90) {  // lookup
            const avm_pte* e = pt->lookup(vpn);
            ASSERT_EQ(e != nullptr, mapped);
            if (e) {
                ASSERT_EQ(e->vpn, vpn);
                ASSERT_EQ(frame_of(e), frame_by_vpn[vpn]);
                ASSERT_EQ(e->cap, cap_of[vpn]);
            }
        } else if (what < 95) {  // next
            avm_pte* e = pt->lookup(vpn);
            if (!e) continue;
            const avm_pte* n = pt->next(e);
            ASSERT_EQ(n != nullptr, cap_of.count(vpn + 1) == 1);
            if (n) {
                ASSERT_EQ(n->vpn, vpn + 1);
                ASSERT_EQ(n->cap, cap_of[vpn + 1]);
            }
        } else if (pt->run) {  // run
            const uint32_t count = 1 + pick(8);
            bool all = true;
            for (uint32_t i = 0; i < count; ++i) all = all && cap_of.count(vpn + i);
            const avm_pte* r = pt->run(vpn, count);
            if (!all) {
                ASSERT_EQ(r, nullptr);
            }
            for (uint32_t i = 0; r && i < count; ++i) {
                ASSERT_EQ(r[i].vpn, vpn + i);
                ASSERT_EQ(r[i].cap, cap_of[vpn + i]);
            }
        }
    }
    for (uint32_t vpn = 0; vpn < kPages; ++vpn)
        ASSERT_EQ(pt->lookup(vpn) != nullptr, cap_of.count(vpn) == 1) << "page " << vpn;
}

// ---- the list ----------------------------------------------------------------------

// The list is indexed by the boot parameter's value and named as the simulator
// names the values (vmsim/bootparams.h).
TEST(PageTables, EachIsNamedAsTheBootParameterNamesItsValue) {
    const char* const names[] = VMSIM_AVM_PAGETABLE_NAMES;
    ASSERT_EQ(avm_npagetables, std::size(names));
    for (unsigned i = 0; i < avm_npagetables; ++i) EXPECT_STREQ(avm_pagetables[i]->name, names[i]) << i;
    EXPECT_EQ(avm_pagetables[VMSIM_AVM_PT_LINEAR], &avm_pt_linear);
    EXPECT_EQ(avm_pagetables[VMSIM_AVM_PT_HIER2], &avm_pt_hier2);
    EXPECT_EQ(avm_pagetables[VMSIM_AVM_PT_HASHED], &avm_pt_hashed);
    EXPECT_EQ(avm_pagetables[VMSIM_AVM_PT_INVERTED], &avm_pt_inverted);
}

// ---- each structure ------------------------------------------------------------------

// Fills `pt` with pages 0, 3, 6, ... (frame = index) until an insert fails;
// returns how many it holds.
uint32_t fill(const avm_pt_ops& pt) {
    uint32_t n = 0;
    while (n < (1u << 20) && pt.insert(3 * n, lo_of(n, 0))) ++n;
    return n;
}

// The paper's prototype keeps pages sorted in one vector, so any mapped range
// is one run (what makes avm_protect one pass and one kernel call).
TEST(PageTables, LinearHandsOutEveryMappedRangeAsOneRun) {
    const avm_pt_params params{kFrames, 0};
    ASSERT_EQ(avm_pt_linear.init(&params), 0);
    uint32_t frame = 0;
    for (uint32_t vpn : {40u, 10u, 30u, 20u, 11u, 12u, 13u})
        ASSERT_NE(avm_pt_linear.insert(vpn, lo_of(frame++, vpn)), nullptr);
    const avm_pte* r = avm_pt_linear.run(10, 4);
    ASSERT_NE(r, nullptr);
    for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(&r[i], avm_pt_linear.lookup(10 + i));
}

// One 16-byte entry per page in a vector the whole arena long.
TEST(PageTables, LinearHoldsAnArenaOfEntriesAndNeedsSixteenBytesAPage) {
    const avm_pt_params params{kFrames, 0};
    ASSERT_EQ(avm_pt_linear.init(&params), 0);
    EXPECT_EQ(fill(avm_pt_linear), AVM_PT_ARENA_BYTES / sizeof(avm_pte));
    EXPECT_EQ(avm_pt_linear.bytes(), AVM_PT_ARENA_BYTES);
    ASSERT_EQ(avm_pt_linear.remove(0), 0);  // one remove makes room for any page
    EXPECT_NE(avm_pt_linear.insert(1, lo_of(0, 1)), nullptr);
}

// A leaf per megabyte in use, the root always; a leaf is given back with its last
// page, and a page of a new megabyte fits again.
TEST(PageTables, Hier2TakesAFourKilobyteLeafPerMegabyteInUse) {
    const avm_pt_params params{kFrames, 0};
    ASSERT_EQ(avm_pt_hier2.init(&params), 0);
    const uint32_t root = avm_pt_hier2.bytes();
    EXPECT_EQ(root, (AVM_PT_VPNS / 256) * sizeof(void*));
    for (uint32_t vpn : {0x10000u, 0x100ffu, 0x10100u, 0x7ff00u, 0x10001u})
        ASSERT_NE(avm_pt_hier2.insert(vpn, lo_of(1, vpn)), nullptr);
    EXPECT_EQ(avm_pt_hier2.bytes(), root + 3 * 4096);
    // The two pages of one leaf are 16 bytes apart in one 4 KB page.
    const auto* a = reinterpret_cast<const char*>(avm_pt_hier2.lookup(0x10000));
    const auto* b = reinterpret_cast<const char*>(avm_pt_hier2.lookup(0x100ff));
    EXPECT_EQ(b - a, 255 * 16);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 4096, 0u);
    ASSERT_EQ(avm_pt_hier2.remove(0x7ff00), 0);
    EXPECT_EQ(avm_pt_hier2.bytes(), root + 2 * 4096);

    // Full: every leaf in use. Emptying one leaf makes room for a new megabyte.
    ASSERT_EQ(avm_pt_hier2.init(&params), 0);
    uint32_t leaves = 0;
    while (leaves < AVM_PT_VPNS / 256 && avm_pt_hier2.insert(leaves * 256 + 5, lo_of(1, 0))) ++leaves;
    EXPECT_EQ(avm_pt_hier2.bytes(), root + leaves * 4096);
    // The arena holds the root and as many leaves as fit beside it.
    EXPECT_LE(root + leaves * 4096, AVM_PT_ARENA_BYTES);
    EXPECT_GT(root + (leaves + 1) * 4096, AVM_PT_ARENA_BYTES);
    ASSERT_NE(avm_pt_hier2.insert(6, lo_of(1, 0)), nullptr);  // a page of a leaf in use
    EXPECT_EQ(avm_pt_hier2.insert(leaves * 256, lo_of(1, 0)), nullptr);
    ASSERT_EQ(avm_pt_hier2.remove(5), 0);
    EXPECT_EQ(avm_pt_hier2.insert(leaves * 256, lo_of(1, 0)), nullptr);  // page 6 keeps leaf 0
    ASSERT_EQ(avm_pt_hier2.remove(6), 0);
    EXPECT_NE(avm_pt_hier2.insert(leaves * 256, lo_of(1, 0)), nullptr);
}

// The chain heads and 16 bytes per page; the heads share the arena with the pool.
TEST(PageTables, HashedHoldsItsHeadsAndSixteenBytesAPage) {
    for (uint32_t buckets : {1u, 256u, 0u, VMSIM_AVM_HASHED_MAX_BUCKETS}) {
        const avm_pt_params params{kFrames, buckets};
        ASSERT_EQ(avm_pt_hashed.init(&params), 0) << buckets;
        const uint32_t heads = (buckets ? buckets : VMSIM_AVM_HASHED_DEFAULT_BUCKETS) * 4;
        EXPECT_EQ(avm_pt_hashed.bytes(), heads) << buckets;
        const uint32_t n = fill(avm_pt_hashed);
        EXPECT_EQ(n, (AVM_PT_ARENA_BYTES - heads) / sizeof(avm_pte)) << buckets;
        EXPECT_EQ(avm_pt_hashed.bytes(), heads + n * sizeof(avm_pte)) << buckets;
        ASSERT_EQ(avm_pt_hashed.remove(3 * (n / 2)), 0);  // one remove makes room for any page
        EXPECT_NE(avm_pt_hashed.insert(1, lo_of(0, 1)), nullptr) << buckets;
    }
}

TEST(PageTables, HashedRefusesABucketCountThatIsNotAPowerOfTwoUpToTheMaximum) {
    for (uint32_t buckets : {3u, 1000u, 2 * VMSIM_AVM_HASHED_MAX_BUCKETS}) {
        const avm_pt_params params{kFrames, buckets};
        EXPECT_EQ(avm_pt_hashed.init(&params), -1) << buckets;
    }
}

// One chain: every page in it. Removing from its head, middle and tail relinks.
TEST(PageTables, HashedWithOneChainIsStillATable) {
    const avm_pt_params params{kFrames, 1};
    ASSERT_EQ(avm_pt_hashed.init(&params), 0);
    for (uint32_t vpn = 0; vpn < 300; ++vpn) ASSERT_NE(avm_pt_hashed.insert(vpn * 7, lo_of(vpn, 0)), nullptr);
    for (uint32_t vpn : {0u, 150u, 299u}) ASSERT_EQ(avm_pt_hashed.remove(vpn * 7), 0);
    for (uint32_t vpn = 0; vpn < 300; ++vpn) {
        const avm_pte* e = avm_pt_hashed.lookup(vpn * 7);
        if (vpn == 0 || vpn == 150 || vpn == 299) {
            EXPECT_EQ(e, nullptr) << vpn;
        } else {
            ASSERT_NE(e, nullptr) << vpn;
            EXPECT_EQ(frame_of(e), vpn);
        }
    }
}

// The entry of the page in frame f is entry f: the reverse translation is one
// index. The table's size follows the frames, not the pages.
TEST(PageTables, InvertedKeepsEachPageInItsFramesEntry) {
    const avm_pt_params params{1000, 0};
    ASSERT_EQ(avm_pt_inverted.init(&params), 0);
    // 1000 frames + 64 overflow entries of 16 bytes, 512 anchors of 4.
    EXPECT_EQ(avm_pt_inverted.bytes(), (1000 + 64) * 16 + 512 * 4);
    const std::pair<uint32_t, uint32_t> maps[] = {{0x10000, 17}, {0x10001, 3}, {0x500, 999}, {0x7ffff, 0}};
    for (auto [vpn, frame] : maps) ASSERT_NE(avm_pt_inverted.insert(vpn, lo_of(frame, vpn)), nullptr);
    for (auto [vpn, frame] : maps) {
        const avm_pte* e = avm_pt_inverted_frame(frame);
        ASSERT_NE(e, nullptr) << frame;
        EXPECT_EQ(e->vpn, vpn);
        EXPECT_EQ(e, avm_pt_inverted.lookup(vpn));
    }
    EXPECT_EQ(avm_pt_inverted_frame(18), nullptr);
    EXPECT_EQ(avm_pt_inverted_frame(1000), nullptr);  // beyond the frames
    // Mapped again to another frame: the page moves to that frame's entry.
    ASSERT_NE(avm_pt_inverted.insert(0x10000, lo_of(18, 0)), nullptr);
    EXPECT_EQ(avm_pt_inverted_frame(17), nullptr);
    ASSERT_NE(avm_pt_inverted_frame(18), nullptr);
    EXPECT_EQ(avm_pt_inverted_frame(18)->vpn, 0x10000u);
    ASSERT_EQ(avm_pt_inverted.remove(0x500), 0);
    EXPECT_EQ(avm_pt_inverted_frame(999), nullptr);
    EXPECT_EQ(avm_pt_inverted.bytes(), (1000 + 64) * 16 + 512 * 4);  // whatever is mapped
}

// A frame mapped at a second page, and frames the table was not sized for, go to
// the overflow; when that is full, insert fails until one of them is removed.
TEST(PageTables, InvertedHoldsAliasesAndUnknownFramesInItsOverflow) {
    const avm_pt_params params{1000, 0};
    ASSERT_EQ(avm_pt_inverted.init(&params), 0);
    ASSERT_NE(avm_pt_inverted.insert(0x100, lo_of(5, 0)), nullptr);
    ASSERT_NE(avm_pt_inverted.insert(0x200, lo_of(5, 0)), nullptr);  // alias of frame 5
    EXPECT_EQ(avm_pt_inverted_frame(5)->vpn, 0x100u);
    uint32_t overflow = 1;
    while (overflow < 1000 && avm_pt_inverted.insert(0x1000 + overflow, lo_of(5000 + overflow, 0))) ++overflow;
    EXPECT_EQ(overflow, 64u);
    EXPECT_NE(avm_pt_inverted.insert(0x300, lo_of(6, 0)), nullptr);  // its frame's entry is free
    ASSERT_EQ(avm_pt_inverted.remove(0x100), 0);
    EXPECT_EQ(avm_pt_inverted.lookup(0x200)->vpn, 0x200u);         // the alias survives its twin
    EXPECT_EQ(avm_pt_inverted.insert(0x400, lo_of(7000, 0)), nullptr);  // overflow still full
    ASSERT_EQ(avm_pt_inverted.remove(0x200), 0);
    EXPECT_NE(avm_pt_inverted.insert(0x400, lo_of(7000, 0)), nullptr);
    for (uint32_t i = 1; i < 64; ++i) EXPECT_NE(avm_pt_inverted.lookup(0x1000 + i), nullptr) << i;
}

// The arena bounds the frames: 24 MB (the simulator's default RAM, also what 0
// means) fits, and up to 7104 frames; the aegis kernel's maximum of 32768 does not.
TEST(PageTables, InvertedRefusesMoreFramesThanTheArenaHolds) {
    const avm_pt_params fits{0, 0}, dec3100{6144, 0}, most{7104, 0}, one_more{7105, 0}, aegis_max{32768, 0};
    ASSERT_EQ(avm_pt_inverted.init(&fits), 0);
    EXPECT_EQ(avm_pt_inverted.bytes(), (6144 + 64) * 16 + 4096 * 4);
    EXPECT_EQ(avm_pt_inverted.init(&dec3100), 0);
    ASSERT_EQ(avm_pt_inverted.init(&most), 0);
    EXPECT_EQ(avm_pt_inverted.bytes(), AVM_PT_ARENA_BYTES);  // (7104 + 64) * 16 + 4096 * 4
    EXPECT_EQ(avm_pt_inverted.init(&one_more), -1);
    EXPECT_EQ(avm_pt_inverted.init(&aegis_max), -1);
}

}  // namespace
