// Acceptance tests of x86 trace replay (issue 11): the TLB miss counts replay reports equal those of
// a deliberately naive reference model written here, on the committed trace and on lackey traces
// of real programs made with Valgrind during the test, for a dozen TLB configurations; and a lackey
// trace converted to vmt replays to the same statistics as the lackey file itself.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdlib>
#include <functional>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/platform/x86/replay.hpp"
#include "sim/trace/format.hpp"
#include "sim/trace/tools.hpp"
#include "tests/sim/temp_dir.hpp"

namespace vmsim::platform {
namespace {

using trace::Kind;
using trace::Ref;

// ---- the reference model ----------------------------------------------------------------------
// One TLB as the textbook describes it: `sets` lists of (page, dirty) kept most recent first; a
// page's set is its number modulo the set count. A hit moves the entry to the front; a fill puts a
// new entry at the front and drops the last one if the set holds more than `ways`.
struct NaiveTlb {
    struct Entry {
        uint64_t page;
        bool dirty;
    };
    unsigned ways = 0;
    std::vector<std::list<Entry>> sets;

    NaiveTlb(unsigned entries, unsigned w) : ways(w), sets(entries ? entries / w : 0) {}
    bool exists() const { return !sets.empty(); }

    // The entry for `page`, moved to the front; null if absent.
    Entry* use(uint64_t page) {
        if (!exists()) return nullptr;
        std::list<Entry>& s = sets[page % sets.size()];
        for (auto it = s.begin(); it != s.end(); ++it) {
            if (it->page == page) {
                s.splice(s.begin(), s, it);
                return &s.front();
            }
        }
        return nullptr;
    }
    // Puts (page, dirty) at the front, replacing an entry for the page if there is one.
    void fill(uint64_t page, bool dirty) {
        if (!exists()) return;
        if (Entry* e = use(page)) {
            e->dirty = dirty;
            return;
        }
        std::list<Entry>& s = sets[page % sets.size()];
        s.push_front({page, dirty});
        if (s.size() > ways) s.pop_back();
    }
};

// The MMU's TLB hierarchy: an L1 per side and page size, and a second level (the unified STLB for
// the sizes it holds, a separate one for 1 GB pages) looked up on an L1 miss, filled by walks. The
// size of the page that maps an address is given (shift_of). An entry remembers whether the page was
// dirty when it was filled; a write that finds a clean entry walks again to set D (SDM 4.8),
// refilling both levels.
struct NaiveMmu {
    NaiveTlb l1[2][3];  // [side: 0 data, 1 instructions][size: 4 KB, 2 MB, 1 GB]
    NaiveTlb stlb, stlb_1g;
    bool stlb_holds[3];
    std::function<unsigned(uint64_t)> shift_of;  // log2 of the size of the page that maps an address
    std::map<uint64_t, bool> written;            // the pages (keyed as in the STLB) whose D bit is set
    uint64_t l1_misses[2] = {0, 0}, stlb_misses = 0;

    static NaiveTlb tlb(const x86::TlbConfig& c) { return NaiveTlb(c.entries, c.ways); }
    NaiveMmu(const x86::MmuConfig& m, std::function<unsigned(uint64_t)> shift)
        : l1{{tlb(m.dtlb_4k), tlb(m.dtlb_2m), tlb(m.dtlb_1g)}, {tlb(m.itlb_4k), tlb(m.itlb_2m), tlb(m.itlb_1g)}},
          stlb(tlb(m.stlb)),
          stlb_1g(tlb(m.stlb_1g)),
          stlb_holds{m.stlb_holds_4k, m.stlb_holds_2m, m.stlb_holds_1g},
          shift_of(std::move(shift)) {}

    // The second-level structure that holds pages of size class `cls`, or null.
    NaiveTlb* second(unsigned cls) {
        if (stlb.exists() && stlb_holds[cls]) return &stlb;
        if (cls == 2 && stlb_1g.exists()) return &stlb_1g;
        return nullptr;
    }

    void walk(unsigned side, unsigned cls, uint64_t page, bool write) {
        const uint64_t key = page | (uint64_t{cls} << 56);  // one STLB holds several sizes
        bool& d = written[key];
        d = d || write;
        if (NaiveTlb* s = second(cls)) s->fill(key, d);
        l1[side][cls].fill(page, d);
    }

    void translate(unsigned side, uint64_t addr, bool write) {
        const unsigned shift = shift_of(addr);
        const unsigned cls = shift == 12 ? 0 : shift == 30 ? 2 : 1;
        const uint64_t page = addr >> shift;
        if (NaiveTlb::Entry* e = l1[side][cls].use(page)) {
            if (write && !e->dirty) walk(side, cls, page, write);
            return;
        }
        ++l1_misses[side];
        if (stlb.exists() || stlb_1g.exists()) {
            NaiveTlb* s = second(cls);
            if (NaiveTlb::Entry* e = s ? s->use(page | (uint64_t{cls} << 56)) : nullptr) {
                if (write && !e->dirty) {
                    walk(side, cls, page, write);
                } else {
                    l1[side][cls].fill(page, e->dirty);
                }
                return;
            }
            ++stlb_misses;
        }
        walk(side, cls, page, write);
    }

    void replay(const std::vector<Ref>& refs) {
        for (const Ref& r : refs) {
            switch (r.kind) {
                case Kind::Instr: translate(1, r.addr, false); break;
                case Kind::Load: translate(0, r.addr, false); break;
                case Kind::Store: translate(0, r.addr, true); break;
                case Kind::Modify:
                    translate(0, r.addr, false);
                    translate(0, r.addr, true);
                    break;
            }
        }
    }
};

// The 2 MB blocks every 4 KB page of which `refs` touch (at the references' start addresses): the
// 2m policy maps those with 2 MB pages and everything else with 4 KB pages.
std::set<uint64_t> whole_2m_blocks(const std::vector<Ref>& refs) {
    std::map<uint64_t, std::set<uint64_t>> pages;
    for (const Ref& r : refs) pages[r.addr >> 21].insert(r.addr >> 12);
    std::set<uint64_t> whole;
    for (const auto& [block, touched] : pages)
        if (touched.size() == 512) whole.insert(block);
    return whole;
}

// ---- helpers ----------------------------------------------------------------------------------

class VectorSource final : public trace::RefSource {
public:
    explicit VectorSource(const std::vector<Ref>& refs) : refs_(refs) {}
    size_t read(Ref* out, size_t max) override {
        const size_t n = std::min(max, refs_.size() - at_);
        std::copy(refs_.begin() + static_cast<std::ptrdiff_t>(at_), refs_.begin() + static_cast<std::ptrdiff_t>(at_ + n), out);
        at_ += n;
        return n;
    }

private:
    const std::vector<Ref>& refs_;
    size_t at_ = 0;
};

std::vector<Ref> read_all(const std::string& path, size_t limit = ~size_t{0}) {
    trace::OpenedTrace t = trace::open_trace(path, trace::Format::Auto);
    std::vector<Ref> refs;
    std::vector<Ref> batch(4096);
    for (size_t n; refs.size() < limit && (n = t.source->read(batch.data(), batch.size())) != 0;)
        refs.insert(refs.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(std::min(n, limit - refs.size())));
    return refs;
}

uint64_t sum(const std::array<uint64_t, x86::kPageSizes>& a) {
    uint64_t n = 0;
    for (uint64_t v : a) n += v;
    return n;
}

// A TLB configuration: the L1s and second level for the policy's page size, everything else as
// Skylake.
struct TlbCase {
    const char* name;
    x86::PageSize policy;
    unsigned d_entries, d_ways, i_entries, i_ways, s_entries, s_ways;
};

const TlbCase kCases[] = {
    {"skylake_4k", x86::PageSize::k4K, 64, 4, 128, 8, 1536, 12},
    {"fully_assoc_no_stlb", x86::PageSize::k4K, 16, 16, 8, 8, 0, 1},
    {"direct_mapped_l1", x86::PageSize::k4K, 4, 1, 4, 1, 32, 4},
    {"two_way_l1_fa_stlb", x86::PageSize::k4K, 32, 2, 16, 4, 64, 64},
    {"tiny_fa_l1", x86::PageSize::k4K, 8, 8, 2, 2, 16, 2},
    {"large_l1", x86::PageSize::k4K, 128, 4, 64, 4, 256, 8},
    {"one_entry", x86::PageSize::k4K, 1, 1, 1, 1, 2, 2},
    {"fa_l1_16way_stlb", x86::PageSize::k4K, 64, 64, 32, 32, 128, 16},
    {"two_mb_pages", x86::PageSize::k2M, 4, 4, 2, 2, 8, 2},
    {"two_mb_direct_no_stlb", x86::PageSize::k2M, 2, 1, 1, 1, 0, 1},
    {"one_gb_pages", x86::PageSize::k1G, 2, 2, 1, 1, 0, 1},
};

x86::MmuConfig mmu_for(const TlbCase& c) {
    x86::MmuConfig m;
    x86::TlbConfig* d = c.policy == x86::PageSize::k4K ? &m.dtlb_4k : c.policy == x86::PageSize::k2M ? &m.dtlb_2m : &m.dtlb_1g;
    x86::TlbConfig* i = c.policy == x86::PageSize::k4K ? &m.itlb_4k : c.policy == x86::PageSize::k2M ? &m.itlb_2m : &m.itlb_1g;
    *d = x86::TlbConfig{c.d_entries, c.d_ways};
    *i = x86::TlbConfig{c.i_entries, c.i_ways};
    if (c.s_entries == 0) {
        // No second level at all: the 1 GB-only STLB would otherwise still be looked up (and miss).
        m.stlb = m.stlb_1g = x86::TlbConfig{};
    } else if (c.policy == x86::PageSize::k1G) {
        m.stlb_holds_1g = false;
        m.stlb_1g = x86::TlbConfig{c.s_entries, c.s_ways};
    } else {
        m.stlb = x86::TlbConfig{c.s_entries, c.s_ways};
    }
    return m;
}

struct Outcome {
    x86::MmuStats mmu;
    X86ReplayCounts counts;
};

// `first`: a first reading of the same trace, for the 2m policy's plan (replay.hpp).
Outcome replay(trace::RefSource& source, const x86::MmuConfig& mmu, x86::PageSize policy,
               trace::RefSource* first = nullptr) {
    X86ReplayConfig rc;
    rc.page_size = policy;
    X86Replay r(mmu, x86::PagingMode::Long4, common::CacheHierarchyConfig{}, rc);
    if (r.needs_plan()) r.plan_large_pages(*first);
    r.run(source);
    return {r.mmu_stats(), r.counts()};
}

void expect_matches_naive(const std::vector<Ref>& refs, const TlbCase& c) {
    SCOPED_TRACE(c.name);
    VectorSource source(refs), first(refs);
    const x86::MmuConfig mmu = mmu_for(c);
    const Outcome got = replay(source, mmu, c.policy, &first);
    const std::set<uint64_t> whole = c.policy == x86::PageSize::k2M ? whole_2m_blocks(refs) : std::set<uint64_t>{};
    NaiveMmu naive(mmu, [&](uint64_t addr) -> unsigned {
        if (c.policy == x86::PageSize::k1G) return 30;
        return whole.count(addr >> 21) ? 21 : 12;
    });
    naive.replay(refs);
    EXPECT_EQ(sum(got.mmu.dtlb.misses), naive.l1_misses[0]);
    EXPECT_EQ(sum(got.mmu.itlb.misses), naive.l1_misses[1]);
    EXPECT_EQ(sum(got.mmu.stlb.misses), naive.stlb_misses);
    // Every reference was translated: a miss count of 0 on both sides would make the comparison empty.
    EXPECT_GT(naive.l1_misses[0] + naive.l1_misses[1], 0u);
    EXPECT_EQ(got.counts.refs, refs.size());
}

std::string committed_trace() { return std::string(VMSIM_SOURCE_DIR) + "/workloads/traces/sort.vmt.xz"; }

// ---- Valgrind traces, made once for the suite ------------------------------------------------

class LackeyTraces : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir;
        // A shuffled list for sort, made here (deterministic: a fixed LCG).
        std::ofstream list(dir_->path() + "/numbers.txt");
        uint64_t x = 12345;
        for (int i = 0; i < 300; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            list << (x >> 40) % 100000 << "\n";
        }
        list.close();
        const std::string runs[][2] = {{"sort", "sort -n numbers.txt"}, {"ls", "ls -l /usr/bin/valgrind ."}};
        for (const auto& [name, command] : runs) {
            const std::string out = dir_->path() + "/" + name + ".lackey";
            const std::string cmd = "cd '" + dir_->path() + "' && valgrind --tool=lackey --trace-mem=yes --log-file='" +
                                    out + "' " + command + " > /dev/null 2>&1";
            const int rc = std::system(cmd.c_str());
            ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << "valgrind (scripts/install-deps.sh installs it): " << cmd;
            paths_.push_back(out);
        }
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    static testing::TempDir* dir_;
    static std::vector<std::string> paths_;
};
testing::TempDir* LackeyTraces::dir_ = nullptr;
std::vector<std::string> LackeyTraces::paths_;

// A few hundred thousand references of each program: its start (the dynamic loader, then main).
constexpr size_t kRefsPerProgram = 300'000;

TEST_F(LackeyTraces, ReplayMissCountsEqualTheNaiveModelForEveryConfiguration) {
    ASSERT_EQ(paths_.size(), 2u);
    for (const std::string& path : paths_) {
        SCOPED_TRACE(path);
        const std::vector<Ref> refs = read_all(path, kRefsPerProgram);
        ASSERT_GT(refs.size(), 100'000u);
        for (const TlbCase& c : kCases) expect_matches_naive(refs, c);
    }
}

TEST_F(LackeyTraces, LackeyConvertedToVmtReplaysToIdenticalStatistics) {
    const std::string lackey = paths_.at(0);
    const std::string vmt = dir_->path() + "/converted.vmt.gz";
    {
        trace::OpenedTrace in = trace::open_trace(lackey, trace::Format::Lackey);
        trace::convert(*in.source, trace::Format::Vmt, trace::Output::open(vmt));
    }
    x86::MmuConfig mmu;  // Skylake
    trace::OpenedTrace a = trace::open_trace(lackey, trace::Format::Auto);
    trace::OpenedTrace b = trace::open_trace(vmt, trace::Format::Auto);
    ASSERT_EQ(b.format, trace::Format::Vmt);
    const Outcome from_lackey = replay(*a.source, mmu, x86::PageSize::k4K);
    const Outcome from_vmt = replay(*b.source, mmu, x86::PageSize::k4K);
    const common::StatList la = from_lackey.mmu.list(), lb = from_vmt.mmu.list();
    ASSERT_EQ(la.size(), lb.size());
    for (size_t i = 0; i < la.size(); ++i) EXPECT_EQ(la[i].value, lb[i].value) << la[i].name;
    EXPECT_EQ(from_lackey.counts.refs, from_vmt.counts.refs);
    EXPECT_EQ(from_lackey.counts.translation_cycles, from_vmt.counts.translation_cycles);
    EXPECT_EQ(from_lackey.counts.data_cycles, from_vmt.counts.data_cycles);
    EXPECT_EQ(from_lackey.counts.faults, from_vmt.counts.faults);
    EXPECT_GT(from_lackey.counts.refs, 100'000u);
}

TEST(CommittedTrace, ReplayMissCountsEqualTheNaiveModel) {
    const std::vector<Ref> refs = read_all(committed_trace());
    ASSERT_EQ(refs.size(), 1'505'918u);  // workloads/traces/README.md
    for (const TlbCase& c : {kCases[0], kCases[2], kCases[4], kCases[8]}) expect_matches_naive(refs, c);
}

TEST(Replay, PageTablesAreBuiltOnFirstTouchWithThePolicysPageSize) {
    // Three pages of the 2 MB block at 2 MB and one page of the block at 6 MB, each touched twice;
    // then every page of the block at 8 MB, once.
    std::vector<Ref> refs;
    for (uint64_t a : {0x200000ull, 0x201000ull, 0x3ff000ull, 0x600000ull, 0x200008ull, 0x600008ull})
        refs.push_back({a, 8, Kind::Load});
    for (uint64_t page = 0; page < 512; ++page) refs.push_back({0x800000 + page * 4096, 8, Kind::Load});
    struct Expect {
        x86::PageSize policy;
        unsigned pages_4k, pages_2m;
    };
    // 4k: every touched page. 2m: a 2 MB page only for the block touched whole.
    for (const Expect& e : {Expect{x86::PageSize::k4K, 4 + 512, 0}, Expect{x86::PageSize::k2M, 4, 1}}) {
        VectorSource source(refs), first(refs);
        X86ReplayConfig rc;
        rc.page_size = e.policy;
        X86Replay r(x86::MmuConfig{}, x86::PagingMode::Long4, common::CacheHierarchyConfig{}, rc);
        EXPECT_EQ(r.needs_plan(), e.policy == x86::PageSize::k2M);
        if (r.needs_plan()) {
            EXPECT_EQ(r.plan_large_pages(first), 1u);
        }
        r.run(source);
        EXPECT_EQ(r.pager_stats().pages[static_cast<unsigned>(x86::PageSize::k4K)], e.pages_4k);
        EXPECT_EQ(r.pager_stats().pages[static_cast<unsigned>(x86::PageSize::k2M)], e.pages_2m);
        const unsigned pages = e.pages_4k + e.pages_2m;
        EXPECT_EQ(r.counts().faults, pages);
        EXPECT_EQ(r.mmu_stats().walks, 2 * pages);  // each first touch: the faulting walk and the retry's
        EXPECT_GT(r.mmu_stats().walk_refs, 0u);     // the walks read tables from memory
    }
}

TEST(Replay, TwoMegabytePolicyMatchesTheNaiveModelWithMixedPageSizes) {
    // Blocks touched whole (2 MB pages) among scattered 4 KB pages, in a seeded random order, loads
    // and stores: the 2m cases of the naive comparison with both sizes in play.
    std::vector<Ref> refs;
    uint64_t x = 42;
    auto next = [&x] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
    for (uint64_t block : {3ull, 7ull, 8ull})
        for (uint64_t page = 0; page < 512; ++page) refs.push_back({(block << 21) + page * 4096, 8, Kind::Store});
    for (int i = 0; i < 20000; ++i) {
        const uint64_t r = next() >> 20;
        const uint64_t block = std::array<uint64_t, 6>{3, 7, 8, 11, 12, 40}[r % 6];
        const uint64_t page = block == 11 || block == 12 || block == 40 ? (r >> 8) % 64 : (r >> 8) % 512;
        refs.push_back({(block << 21) + page * 4096 + (r >> 24) % 512 * 8, 8, r & 1 ? Kind::Load : Kind::Store});
    }
    ASSERT_EQ(whole_2m_blocks(refs).size(), 3u);
    for (const TlbCase& c : kCases)
        if (c.policy == x86::PageSize::k2M) expect_matches_naive(refs, c);
}

TEST(Replay, SkipWarmsTheTlbsWithoutCountingAndLimitStopsTheMeasurement) {
    std::vector<Ref> refs;
    for (uint64_t i = 0; i < 100; ++i) refs.push_back({0x10000000 + i * 4096, 4, Kind::Store});
    for (uint64_t i = 0; i < 100; ++i) refs.push_back({0x10000000 + i * 4096, 4, Kind::Load});
    VectorSource source(refs);
    X86ReplayConfig rc;
    rc.skip = 100;
    rc.limit = 50;
    X86Replay r(x86::MmuConfig{}, x86::PagingMode::Long4, common::CacheHierarchyConfig{}, rc);
    r.run(source);
    EXPECT_EQ(r.counts().refs, 50u);
    EXPECT_EQ(r.counts().by_kind[static_cast<unsigned>(Kind::Load)], 50u);
    EXPECT_EQ(r.counts().faults, 0u);  // the skipped stores mapped every page
    // The 100 pages do not fit the 64-entry L1 D-TLB but do fit the STLB: misses, no walks.
    EXPECT_EQ(sum(r.mmu_stats().dtlb.misses), 50u);
    EXPECT_EQ(r.mmu_stats().walks, 0u);
}

TEST(Replay, PageCrossingReferencesAreTranslatedTwiceOnlyWhenSplitting) {
    const std::vector<Ref> refs = {{0x10000ffc, 8, Kind::Load}, {0x10001000, 8, Kind::Load}, {0x10000ff0, 8, Kind::Load}};
    for (bool split : {false, true}) {
        VectorSource source(refs);
        X86ReplayConfig rc;
        rc.split_page_crossing = split;
        X86Replay r(x86::MmuConfig{}, x86::PagingMode::Long4, common::CacheHierarchyConfig{}, rc);
        r.run(source);
        EXPECT_EQ(r.counts().page_crossing, 1u);
        EXPECT_EQ(r.counts().split, split ? 1u : 0u);
        EXPECT_EQ(r.counts().translations, split ? 4u : 3u);
    }
}

TEST(Replay, NonCanonicalReferencesAreCountedNotTranslated) {
    const std::vector<Ref> refs = {{0x0000800000000000ull, 8, Kind::Load}, {0x1000, 8, Kind::Load},
                                   {0xffff800000001000ull, 8, Kind::Load}};
    VectorSource source(refs);
    X86Replay r(x86::MmuConfig{}, x86::PagingMode::Long4, common::CacheHierarchyConfig{}, X86ReplayConfig{});
    r.run(source);
    EXPECT_EQ(r.counts().non_canonical, 1u);
    EXPECT_EQ(r.counts().translations, 2u);  // the upper half is mapped too
}

}  // namespace
}  // namespace vmsim::platform
