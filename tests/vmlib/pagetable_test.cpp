// The AVM page-table structures (vmlib/avm/pt.h), compiled for the host: one
// property suite that every entry of avm_pagetables runs, so a structure added
// to the list is held to the same contract as the paper's linear table.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <utility>

#include "pt.h"
#include "vmsim/bootparams.h"

namespace {

struct Mapping {
    uint32_t lo, cap;
};

class PageTable : public ::testing::TestWithParam<unsigned> {
protected:
    void SetUp() override {
        pt = avm_pagetables[GetParam()];
        pt->init();
    }

    // Inserts vpn and fills the entry with data derived from vpn, so that a lookup
    // finding another page's entry is caught.
    avm_pte* insert_marked(uint32_t vpn) {
        avm_pte* e = pt->insert(vpn);
        if (e) {
            e->lo = vpn * 2654435761u;
            e->cap = ~vpn;
        }
        return e;
    }
    void expect_marked(uint32_t vpn) {
        const avm_pte* e = pt->lookup(vpn);
        ASSERT_NE(e, nullptr) << "page " << vpn;
        EXPECT_EQ(e->vpn, vpn);
        EXPECT_EQ(e->lo, vpn * 2654435761u) << "page " << vpn;
        EXPECT_EQ(e->cap, ~vpn) << "page " << vpn;
    }

    const avm_pt_ops* pt = nullptr;
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
    pt->init();
    for (uint32_t vpn = 10; vpn < 20; ++vpn) EXPECT_EQ(pt->lookup(vpn), nullptr) << vpn;
}

TEST_P(PageTable, InsertReturnsAZeroedEntryThatLookupFinds) {
    avm_pte* e = pt->insert(0x1234);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->vpn, 0x1234u);
    EXPECT_EQ(e->lo, 0u);
    EXPECT_EQ(e->cap, 0u);
    EXPECT_EQ(pt->lookup(0x1234), e);
    EXPECT_EQ(pt->lookup(0x1233), nullptr);
    EXPECT_EQ(pt->lookup(0x1235), nullptr);
}

TEST_P(PageTable, InsertOfAnExistingPageReturnsTheExistingEntry) {
    ASSERT_NE(insert_marked(77), nullptr);
    const avm_pte* again = pt->insert(77);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again, pt->lookup(77));
    expect_marked(77);  // not zeroed, not a second copy
    ASSERT_EQ(pt->remove(77), 0);
    EXPECT_EQ(pt->lookup(77), nullptr);  // there was only one entry
}

TEST_P(PageTable, RemoveTakesOutOnlyThatPage) {
    for (uint32_t vpn : {99u, 100u, 101u, 5000u}) ASSERT_NE(insert_marked(vpn), nullptr);
    EXPECT_EQ(pt->remove(100), 0);
    EXPECT_EQ(pt->lookup(100), nullptr);
    EXPECT_EQ(pt->remove(100), -1);
    for (uint32_t vpn : {99u, 101u, 5000u}) expect_marked(vpn);
}

TEST_P(PageTable, NextWalksConsecutivePagesAndStopsAtAHole) {
    for (uint32_t vpn = 300; vpn < 310; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    for (uint32_t vpn : {311u, 250u, 0x7ffffu}) ASSERT_NE(insert_marked(vpn), nullptr);
    avm_pte* e = pt->lookup(300);
    for (uint32_t vpn = 301; vpn < 310; ++vpn) {
        e = pt->next(e);
        ASSERT_NE(e, nullptr) << "after page " << vpn - 1;
        EXPECT_EQ(e->vpn, vpn);
        EXPECT_EQ(e->lo, vpn * 2654435761u);
    }
    EXPECT_EQ(pt->next(e), nullptr);  // page 310 is not mapped
    EXPECT_EQ(pt->next(pt->lookup(250)), nullptr);
    EXPECT_EQ(pt->next(pt->lookup(0x7ffff)), nullptr);  // the last page of kuseg
}

TEST_P(PageTable, RunIsTheRangeAsOneArrayOrNothing) {
    if (!pt->run) GTEST_SKIP() << "no run operation (it is optional)";
    for (uint32_t vpn = 1000; vpn < 1020; ++vpn) ASSERT_NE(insert_marked(vpn), nullptr);
    ASSERT_NE(insert_marked(1021), nullptr);
    for (auto [first, n] : {std::pair{1000u, 20u}, std::pair{1005u, 10u}, std::pair{1019u, 1u}}) {
        const avm_pte* r = pt->run(first, n);
        if (!r) continue;  // a structure may not store the range as one array
        for (uint32_t i = 0; i < n; ++i) {
            EXPECT_EQ(&r[i], pt->lookup(first + i)) << first << "+" << i;
            EXPECT_EQ(r[i].vpn, first + i);
        }
    }
    EXPECT_EQ(pt->run(1010, 11), nullptr);  // page 1020 missing
    EXPECT_EQ(pt->run(999, 2), nullptr);    // page 999 missing
    EXPECT_EQ(pt->run(1020, 2), nullptr);   // the hole itself
}

TEST_P(PageTable, InsertReturnsNullWhenFullAndKeepsEveryEntry) {
    // Guest structures live in static arrays: a bound on the inserts keeps a
    // structure that never fills from looping (it fails instead).
    constexpr uint32_t kMaxInserts = 1u << 20;
    uint32_t stored = 0;
    while (stored < kMaxInserts && insert_marked(3 * stored)) ++stored;
    ASSERT_LT(stored, kMaxInserts) << "never full";
    ASSERT_GT(stored, 0u);
    const uint32_t rejected = 3 * stored;
    EXPECT_EQ(pt->lookup(rejected), nullptr);
    for (uint32_t i = 0; i < stored; ++i) expect_marked(3 * i);
    // Full: an existing page is still found by insert; freeing one makes room.
    EXPECT_EQ(pt->insert(3 * (stored / 2)), pt->lookup(3 * (stored / 2)));
    ASSERT_EQ(pt->remove(0), 0);
    EXPECT_NE(insert_marked(rejected), nullptr);
    expect_marked(rejected);
}

// Random operations against std::map as the reference, fixed seed.
TEST_P(PageTable, RandomOperationsAgreeWithAReferenceMap) {
    std::mt19937 rng(20240607u);
    constexpr uint32_t kPages = 1500;  // a range small enough for removes and holes to recur
    std::map<uint32_t, Mapping> ref;
    auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    for (int step = 0; step < 40000; ++step) {
        const uint32_t vpn = pick(kPages);
        const uint32_t what = pick(100);
        const auto it = ref.find(vpn);
        const bool mapped = it != ref.end();
        SCOPED_TRACE("step " + std::to_string(step) + " page " + std::to_string(vpn));
        if (what < 40) {  // insert
            avm_pte* e = pt->insert(vpn);
            ASSERT_NE(e, nullptr);  // far below any structure's capacity
            ASSERT_EQ(e->vpn, vpn);
            if (mapped) {
                ASSERT_EQ(e->lo, it->second.lo);
                ASSERT_EQ(e->cap, it->second.cap);
            }
            e->lo = rng();
            e->cap = rng();
            ref[vpn] = Mapping{e->lo, e->cap};
        } else if (what < 65) {  // remove
            ASSERT_EQ(pt->remove(vpn), mapped ? 0 : -1);
            ref.erase(vpn);
        } else if (what < 90) {  // lookup
            const avm_pte* e = pt->lookup(vpn);
            ASSERT_EQ(e != nullptr, mapped);
            if (e) {
                ASSERT_EQ(e->vpn, vpn);
                ASSERT_EQ(e->lo, it->second.lo);
                ASSERT_EQ(e->cap, it->second.cap);
            }
        } else if (what < 95) {  // next
            avm_pte* e = pt->lookup(vpn);
            if (!e) continue;
            const avm_pte* n = pt->next(e);
            const auto succ = ref.find(vpn + 1);
            ASSERT_EQ(n != nullptr, succ != ref.end());
            if (n) {
                ASSERT_EQ(n->vpn, vpn + 1);
                ASSERT_EQ(n->lo, succ->second.lo);
            }
        } else if (pt->run) {  // run
            const uint32_t count = 1 + pick(8);
            bool all = true;
            for (uint32_t i = 0; i < count; ++i) all = all && ref.count(vpn + i);
            const avm_pte* r = pt->run(vpn, count);
            if (!all) {
                ASSERT_EQ(r, nullptr);
            }
            for (uint32_t i = 0; r && i < count; ++i) {
                ASSERT_EQ(r[i].vpn, vpn + i);
                ASSERT_EQ(r[i].lo, ref[vpn + i].lo);
            }
        }
    }
    for (uint32_t vpn = 0; vpn < kPages; ++vpn)
        ASSERT_EQ(pt->lookup(vpn) != nullptr, ref.count(vpn) == 1) << "page " << vpn;
}

// The list is indexed by the boot parameter's value and named as the simulator
// names the values (vmsim/bootparams.h).
TEST(PageTables, EachIsNamedAsTheBootParameterNamesItsValue) {
    const char* const names[] = VMSIM_AVM_PAGETABLE_NAMES;
    ASSERT_EQ(avm_npagetables, std::size(names));
    for (unsigned i = 0; i < avm_npagetables; ++i) EXPECT_STREQ(avm_pagetables[i]->name, names[i]) << i;
    EXPECT_EQ(avm_pagetables[VMSIM_AVM_PT_LINEAR], &avm_pt_linear);
}

// The paper's prototype keeps pages sorted in one vector, so any mapped range
// is one run (what makes avm_protect one pass and one kernel call).
TEST(PageTables, LinearHandsOutEveryMappedRangeAsOneRun) {
    avm_pt_linear.init();
    for (uint32_t vpn : {40u, 10u, 30u, 20u, 11u, 12u, 13u}) ASSERT_NE(avm_pt_linear.insert(vpn), nullptr);
    const avm_pte* r = avm_pt_linear.run(10, 4);
    ASSERT_NE(r, nullptr);
    for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(&r[i], avm_pt_linear.lookup(10 + i));
}

}  // namespace
