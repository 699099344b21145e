// Host speed of the x86 ISS (Google Benchmark): simulated instructions per second on an integer
// loop. Not a test: run it from a Release build (`x86_iss_bench`). items_per_second is simulated
// instructions per host second (MIPS x 10^6). The Timed cases attach the Pentium timing model
// (pentium_timing.hpp) and report its clocks per instruction as the counter `cpi`.
//
// The loop (11 instructions, one load, one store, one taken branch per iteration), a hash-like mix
// of what GCC -O2 emits for integer code:
//     1: mov edx, eax ; shl edx, 5 ; add edx, ecx ; xor eax, edx ; mov [ebx+esi*4], eax
//        and esi, 0xff ; inc esi ; mov edi, [ebx+esi*4] ; add ecx, edi ; dec ebp ; jnz 1b
//  - FlatLoop: paging off (FlatMemory: identity translation).
//  - PagedLoop: 32-bit paging through the x86 Mmu (Skylake-default structures; every fetch and data
//    reference is a translate() that hits the L1 TLB).
//  - TimedFlatLoop, TimedPagedLoop: the same with the Pentium timing model attached; the paged one
//    with the pentium100 preset's TLBs and caches (8 KB L1D, 256 KB L2; 32/64-entry TLBs, no STLB
//    or paging-structure caches). By hand, per iteration once warm: {mov edx,eax}, {shl}, {add},
//    {xor}, {store | and esi}, {inc esi}, {AGI + load}, {add ecx | dec ebp}, {jnz} = 10 clocks for
//    11 instructions, cpi 0.91.
//  - PagedProgram, TimedPagedProgram: compiled integer C instead of the loop: iss_program/program.c
//    (CRC-32, a shell sort, 64-bit multiplies and shifts, divisions, bit scans, string copies; GCC
//    -O2 for the Pentium), with paging on as in PagedLoop and TimedPagedLoop, run to its HLT again
//    and again (its data reloaded each time).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/iss.hpp"
#include "models/x86_64/pentium_timing.hpp"
#include "tests/models/x86_64/p5_config.hpp"
#include "tests/models/x86_64/page_tables.hpp"

namespace vmsim::x86::iss {
namespace {

const std::vector<uint8_t> kLoop = {
    0x89, 0xc2,                          // mov edx, eax
    0xc1, 0xe2, 0x05,                    // shl edx, 5
    0x01, 0xca,                          // add edx, ecx
    0x31, 0xd0,                          // xor eax, edx
    0x89, 0x04, 0xb3,                    // mov [ebx+esi*4], eax
    0x81, 0xe6, 0xff, 0x00, 0x00, 0x00,  // and esi, 0xff
    0x46,                                // inc esi
    0x8b, 0x3c, 0xb3,                    // mov edi, [ebx+esi*4]
    0x01, 0xf9,                          // add ecx, edi
    0x4d,                                // dec ebp
    0x75, 0xe5,                          // jnz back to the start (-27)
};
constexpr uint32_t kCode = 0x1000, kData = 0x10000;
constexpr uint64_t kChunk = 1 << 16;  // instructions per benchmark iteration

template <typename Memory>
void run_loop(benchmark::State& state, Cpu<Memory>& cpu) {
    cpu.set_eip(kCode);
    cpu.set_reg(kEbx, kData);
    cpu.set_reg(kEbp, 0xffffffff);  // never reaches zero within a benchmark
    for (auto _ : state) {
        const StepResult r = cpu.run(kChunk);
        if (r.stop != Stop::None) state.SkipWithError("the loop stopped");
    }
    state.SetItemsProcessed(static_cast<int64_t>(cpu.instructions()));
    benchmark::DoNotOptimize(cpu.reg(kEax));
}

void FlatLoop(benchmark::State& state) {
    FlatMemory mem(1 << 20);
    std::memcpy(mem.data() + kCode, kLoop.data(), kLoop.size());
    Cpu<FlatMemory> cpu(mem);
    run_loop(state, cpu);
}
BENCHMARK(FlatLoop);

// Maps linear [0, 0x20000) to physical 0x200000 + la with 4 KB pages, puts the loop at kCode and
// turns 32-bit paging on.
void map_loop(FlatRam& ram, Mmu& mmu) {
    x86::test::PageTables pt(ram, x86::test::Format::Legacy);
    for (uint32_t a = 0; a < 0x20000; a += 0x1000) pt.map(a, 0x200000 + a, x86::test::K4);
    std::memcpy(ram.data() + 0x200000 + kCode, kLoop.data(), kLoop.size());
    mmu.write_cr4(x86::test::CR4_PSE);
    mmu.write_cr3(pt.root());
    mmu.write_cr0(x86::test::CR0_PE | x86::test::CR0_WP | x86::test::CR0_PG);
}

// RAM, caches and an Mmu with 32-bit paging on and map_loop's mapping.
struct Paged {
    Paged(const MmuConfig& mmu_config, const common::CacheHierarchyConfig& cache_config)
        : caches(cache_config), mmu(mmu_config, ram, caches), mem(mmu, ram) {
        map_loop(ram, mmu);
    }
    FlatRam ram{8 << 20};
    common::CacheHierarchy caches;
    Mmu mmu;
    MmuMemory mem;
};

void PagedLoop(benchmark::State& state) {
    Paged m(MmuConfig{}, common::CacheHierarchyConfig{});
    Cpu<MmuMemory> cpu(m.mem);
    run_loop(state, cpu);
}
BENCHMARK(PagedLoop);

// `run` (run_loop by default) on a CPU over `plain` with the timing model attached; reports its
// clocks per instruction.
template <typename Memory, typename Run>
void run_timed(benchmark::State& state, Memory& plain, common::CacheHierarchy& caches, Run run) {
    PentiumTiming timing(PentiumTimingConfig{}, caches);
    TimedMemory<Memory> mem(plain, timing);
    Cpu<TimedMemory<Memory>> cpu(mem);
    run(state, cpu);
    state.counters["cpi"] = static_cast<double>(timing.cycles()) / static_cast<double>(timing.stats().instructions);
}
template <typename Memory>
void run_timed(benchmark::State& state, Memory& plain, common::CacheHierarchy& caches) {
    run_timed(state, plain, caches, [](benchmark::State& st, auto& cpu) { run_loop(st, cpu); });
}

void TimedFlatLoop(benchmark::State& state) {
    FlatMemory plain(1 << 20);
    std::memcpy(plain.data() + kCode, kLoop.data(), kLoop.size());
    common::CacheHierarchy caches(x86::test::p5_caches());
    run_timed(state, plain, caches);
}
BENCHMARK(TimedFlatLoop);

void TimedPagedLoop(benchmark::State& state) {
    Paged m(x86::test::p5_mmu(), x86::test::p5_caches());
    run_timed(state, m.mem, m.caches);
}
BENCHMARK(TimedPagedLoop);

}  // namespace
#ifdef ISS_PROGRAM_BIN
// The compiled program (a flat image for linear 0x10000, CMakeLists.txt) on a CPU over `memory`,
// whose linear [0, 0x20000) is host `ram` + 0x200000 (map_loop's mapping), from its entry to its HLT
// and again; items are instructions.
template <typename Memory>
void run_program(benchmark::State& state, Cpu<Memory>& cpu, uint8_t* ram) {
    std::ifstream file(ISS_PROGRAM_BIN, std::ios::binary);
    const std::vector<uint8_t> image((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    constexpr uint32_t kEntry = 0x10000, kStack = 0x1f000;
    if (image.empty() || image.size() > kStack - kEntry) {
        state.SkipWithError("cannot read the program image " ISS_PROGRAM_BIN);
        return;
    }
    const auto restart = [&] {
        std::memcpy(ram + 0x200000 + kEntry, image.data(), image.size());  // the same code, fresh data
        std::memset(ram + 0x200000 + kEntry + image.size(), 0, kStack - kEntry - image.size());  // .bss
        cpu.set_eip(kEntry);
        cpu.set_reg(kEsp, kStack);
    };
    restart();
    for (auto _ : state) {
        for (uint64_t left = kChunk; left;) {
            const uint64_t before = cpu.instructions();
            const StepResult r = cpu.run(left);
            left -= std::min(left, cpu.instructions() - before);
            if (r.stop == Stop::Halt) {
                restart();
            } else if (r.stop != Stop::None) {
                state.SkipWithError("the program stopped");
                return;
            }
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(cpu.instructions()));
    benchmark::DoNotOptimize(cpu.reg(kEax));
}

void PagedProgram(benchmark::State& state) {
    Paged m(MmuConfig{}, common::CacheHierarchyConfig{});
    Cpu<MmuMemory> cpu(m.mem);
    run_program(state, cpu, m.ram.data());
}
BENCHMARK(PagedProgram);

void TimedPagedProgram(benchmark::State& state) {
    Paged m(x86::test::p5_mmu(), x86::test::p5_caches());
    run_timed(state, m.mem, m.caches, [&](benchmark::State& st, auto& cpu) { run_program(st, cpu, m.ram.data()); });
}
BENCHMARK(TimedPagedProgram);
#endif

}  // namespace vmsim::x86::iss

BENCHMARK_MAIN();
