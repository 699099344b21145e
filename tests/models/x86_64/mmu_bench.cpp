// Host speed of the x86 MMU model (Google Benchmark). Not a test: run it from a Release build.
//
//   x86_mmu_bench                          every benchmark, Google Benchmark's own timing
//   x86_mmu_bench --iterations=N [filter]  a fixed number of translations, so that a whole-process
//                                          timer (/usr/bin/time) gives translations per second
//
// What each measures (4-level paging, Skylake-default structures unless said):
//  - L1HitSamePage: one 4 KB page, over and over: the inline hot path at its best.
//  - L1HitWithinReach: 64 pages in turn, exactly the L1 D-TLB's 64 entries (16 sets of 4): every
//    access hits, and always in the least recently used way of its set, which LRU then moves to the
//    front: the L1 hit at its most expensive.
//  - L1HitRandomWithinReach: the same 64 pages in a random order: hits in any way.
//  - StlbHit: 1024 pages in turn: every access misses the L1 and hits the STLB.
//  - WalkPdeCacheHit: no TLBs; 512 pages of one page table: every access is a walk that starts at
//    the PTE from a PDE-cache hit (one reference, an L1D hit).
//  - WalkPdeCacheHitRandom: no TLBs; random pages over 64 MB: the same walk, its PTE read served
//    mostly by the L2 of the cache model, and the host's caches missed more often.
//  - WalkPdeCacheHitDefault: Skylake structures; random pages over 64 MB (16384 pages, well past the
//    STLB's reach, within the PDE cache's 32 entries): mostly walks from a PDE-cache hit, with the
//    L1 and STLB lookups and fills a real miss costs.
//  - WalkFull: no TLBs, no paging-structure caches: four references per walk.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/mmu.hpp"
#include "tests/models/x86_64/page_tables.hpp"

namespace vmsim::x86::test {
namespace {

constexpr uint64_t kBase = 0x7000000000;

struct Bench {
    Bench(const MmuConfig& config, uint64_t pages, bool random_order)
        : ram(uint64_t{128} << 20), caches(common::CacheHierarchyConfig{}), mmu(config, ram, caches),
          pt(ram, Format::Long4) {
        for (uint64_t i = 0; i < pages; ++i) pt.map(kBase + i * K4, (uint64_t{1} << 32) + i * K4, K4);
        mmu.write_cr4(CR4_PAE);
        mmu.write_efer(EFER_LME | EFER_NXE);
        mmu.write_cr3(pt.root());
        mmu.write_cr0(CR0_PE | CR0_WP | CR0_PG);
        // 65536 addresses, a power of two so that the loop indexes with a mask.
        uint64_t x = 88172645463325252u;  // xorshift64 (Marsaglia 2003): a fixed, cheap order
        for (unsigned i = 0; i < kAddresses; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const uint64_t page = random_order ? x % pages : i % pages;
            addresses.push_back(kBase + page * K4 + (i * 8) % K4);
        }
        for (uint64_t la : addresses) mmu.translate(la, Access::Read, Privilege::User);  // warm up
    }

    static constexpr unsigned kAddresses = 1 << 16;
    FlatRam ram;
    common::CacheHierarchy caches;
    Mmu mmu;
    PageTables pt;
    std::vector<uint64_t> addresses;
};

void run(benchmark::State& state, Bench& b) {
    uint64_t sum = 0;
    unsigned i = 0;
    for (auto _ : state) {
        const Translation t = b.mmu.translate(b.addresses[i++ & (Bench::kAddresses - 1)], Access::Read, Privilege::User);
        sum += t.pa + t.cycles;
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    const MmuStats& s = b.mmu.stats();
    state.counters["walks_per_access"] =
        benchmark::Counter(static_cast<double>(s.walks), benchmark::Counter::kAvgIterations);
}

MmuConfig without_tlbs(bool keep_psc) {
    MmuConfig c = no_caching();
    if (keep_psc) {
        const MmuConfig d;
        c.psc_pde = d.psc_pde;
        c.psc_pdpte = d.psc_pdpte;
        c.psc_pml4e = d.psc_pml4e;
    }
    return c;
}

void register_all(int64_t iterations) {
    struct Case {
        const char* name;
        MmuConfig config;
        uint64_t pages;
        bool random;
    };
    static const Case kCases[] = {
        {"L1HitSamePage", MmuConfig{}, 1, false},
        {"L1HitWithinReach", MmuConfig{}, 64, false},
        {"L1HitRandomWithinReach", MmuConfig{}, 64, true},
        {"StlbHit", MmuConfig{}, 1024, false},
        {"WalkPdeCacheHit", without_tlbs(true), 512, false},
        {"WalkPdeCacheHitRandom", without_tlbs(true), 16384, true},
        {"WalkPdeCacheHitDefault", MmuConfig{}, 16384, true},
        {"WalkFull", without_tlbs(false), 512, false},
    };
    for (const Case& c : kCases) {
        auto* b = benchmark::RegisterBenchmark(c.name, [&c](benchmark::State& state) {
            Bench bench(c.config, c.pages, c.random);
            run(state, bench);
        });
        if (iterations > 0) b->Iterations(iterations);
    }
}

}  // namespace
}  // namespace vmsim::x86::test

int main(int argc, char** argv) {
    int64_t iterations = 0;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--iterations=", 13) == 0)
            iterations = std::strtoll(argv[i] + 13, nullptr, 10);
        else
            args.push_back(argv[i]);
    }
    int n = static_cast<int>(args.size());
    vmsim::x86::test::register_all(iterations);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
