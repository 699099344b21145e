// Trace speed (issue 11; docs/performance.md): vmt replay through the x86 L1 TLBs and STLB on a
// hit-dominated trace, lackey text parsing from a file, and beside them the cost floor: a plain
// loop over the same decoded references doing one unordered_map lookup per page.
//
//   build/tests/sim/trace/trace_bench [--benchmark_filter=...]
//
// The trace is the committed one (workloads/traces/sort.vmt.xz), decompressed once into a plain
// vmt file and a lackey text file under /tmp, so that the timed runs read files (from the page
// cache), not xz.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "sim/platform/x86/replay.hpp"
#include "sim/trace/format.hpp"
#include "sim/trace/tools.hpp"

namespace vmsim {
namespace {

struct Files {
    std::string vmt, lackey;
    std::vector<trace::Ref> refs;
};

const Files& files() {
    static const Files f = [] {
        Files out;
        const std::string src = std::string(VMSIM_SOURCE_DIR) + "/workloads/traces/sort.vmt.xz";
        const std::string base = "/tmp/vmsim-trace-bench-" + std::to_string(::getpid());
        out.vmt = base + ".vmt";
        out.lackey = base + ".lackey";
        for (auto [path, format] : {std::pair{out.vmt, trace::Format::Vmt}, std::pair{out.lackey, trace::Format::Lackey}}) {
            trace::OpenedTrace t = trace::open_trace(src, trace::Format::Auto);
            trace::convert(*t.source, format, trace::Output::open(path));
        }
        trace::OpenedTrace t = trace::open_trace(out.vmt, trace::Format::Vmt);
        std::vector<trace::Ref> batch(4096);
        for (size_t n; (n = t.source->read(batch.data(), batch.size())) != 0;)
            out.refs.insert(out.refs.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
        std::atexit([] {
            ::unlink(files().vmt.c_str());
            ::unlink(files().lackey.c_str());
        });
        return out;
    }();
    return f;
}

// vmt file -> reader -> X86Replay (Skylake TLBs, data caches off: the TLB path alone).
void BM_VmtReplayX86(benchmark::State& state) {
    const Files& f = files();
    platform::X86ReplayConfig rc;
    rc.data_cache = false;
    uint64_t refs = 0;
    for (auto _ : state) {
        trace::OpenedTrace t = trace::open_trace(f.vmt, trace::Format::Vmt);
        platform::X86Replay r(x86::MmuConfig{}, x86::PagingMode::Long4, common::CacheHierarchyConfig{}, rc);
        r.run(*t.source);
        refs += r.counts().refs;
        benchmark::DoNotOptimize(r.mmu_stats().walks);
    }
    state.counters["refs_per_s"] = benchmark::Counter(static_cast<double>(refs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VmtReplayX86)->Unit(benchmark::kMillisecond);

// lackey text file -> reader: every line parsed into a Ref.
void BM_LackeyParse(benchmark::State& state) {
    const Files& f = files();
    uint64_t lines = 0;
    std::vector<trace::Ref> batch(4096);
    for (auto _ : state) {
        trace::OpenedTrace t = trace::open_trace(f.lackey, trace::Format::Lackey);
        uint64_t sum = 0;
        for (size_t n; (n = t.source->read(batch.data(), batch.size())) != 0; lines += n)
            for (size_t i = 0; i < n; ++i) sum += batch[i].addr;
        benchmark::DoNotOptimize(sum);
    }
    state.counters["lines_per_s"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LackeyParse)->Unit(benchmark::kMillisecond);

// The cost floor: the decoded references in memory, one hash-map lookup per 4 KB page.
void BM_HashMapFloor(benchmark::State& state) {
    const Files& f = files();
    std::unordered_map<uint64_t, uint64_t> pages;
    for (const trace::Ref& r : f.refs) pages.emplace(r.addr >> 12, r.addr & ~uint64_t{0xfff});
    uint64_t refs = 0;
    for (auto _ : state) {
        uint64_t sum = 0;
        for (const trace::Ref& r : f.refs) {
            auto it = pages.find(r.addr >> 12);
            sum += it->second;
        }
        refs += f.refs.size();
        benchmark::DoNotOptimize(sum);
    }
    state.counters["refs_per_s"] = benchmark::Counter(static_cast<double>(refs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HashMapFloor)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vmsim

BENCHMARK_MAIN();
