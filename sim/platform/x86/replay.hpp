// Trace replay on the x86-64 model (issue 11): every reference of an address trace
// (sim/trace/record.hpp) goes through models/x86_64's Mmu — the I-TLB for instruction fetches, the
// D-TLB for loads and stores (a modify is a load, then a store), the second-level TLB, the
// paging-structure caches and the walker — as a user-mode access. Plain C++: no SystemC, so that
// tests and benchmarks run it in their own process.
//
// Page tables are real and built on first touch. The self-paging library (vmlib/x86: Kernel and
// Pager) owns all physical memory above 1 MB and reserves the whole canonical user space (and the
// upper half, for traces with kernel addresses; the 4 GB space with 32-bit paging) as regions;
// the first reference to an unmapped page faults (#PF), the fault goes to the pager's upcall, which
// maps the page, and the reference is retried, exactly as a GUPS run with gups.populate = false.
// The walks then read those tables from simulated physical memory, set A and D in them, and the
// paging-structure caches cache them.
//
// Page-size policy (trace.page_size). 4k maps every touched 4 KB page with a 4 KB page. 2m (4m
// with 32-bit paging) maps a 2 MB (4 MB) aligned block with one large page where the replayed
// references touch every 4 KB page of it, and the pages of every other block with 4 KB pages: which
// blocks those are is known only from the whole trace, so plan_large_pages() reads it once first
// (the same skip + limit references) and the pager's regions are laid out from it (a 4 KB region
// for each gap, a large-page region for each whole block). 1g maps every 1 GB-aligned block the
// trace touches at all with one 1 GB page (a trace rarely touches a whole gigabyte), as Linux's
// transparent huge pages with `enabled = always` back a touched anonymous region.
//
// A reference is translated at its start address. One whose bytes span two pages (of the size
// that maps it) is counted in page_crossing, and with split_page_crossing its last byte is
// translated too, as a second access of the same kind.
//
// Physical memory is sparse: only the page-table pages the pager writes take host memory (the
// trace carries no data), so the physical address space can be as large as MAXPHYADDR allows.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/mmu.hpp"
#include "sim/platform/trace_config.hpp"
#include "sim/trace/format.hpp"
#include "sim/trace/record.hpp"
#include "vmlib/x86/pager.hpp"

namespace vmsim::platform {

// The trace.* parameters (x86/target.cpp binds them): those every target's replay reads, and the
// x86's own.
struct X86ReplayConfig : TraceSettings {
    x86::PageSize page_size = x86::PageSize::k4K;   // page-size policy
    bool data_cache = true;                         // loads and stores also access the data caches
};

struct X86ReplayCounts {
    uint64_t refs = 0;                // references replayed (measured)
    uint64_t by_kind[4] = {};         // by trace::Kind
    uint64_t translations = 0;        // MMU translations that succeeded (a modify makes two)
    uint64_t page_crossing = 0;       // references spanning two pages
    uint64_t split = 0;               // of those, translated twice (split_page_crossing)
    uint64_t non_canonical = 0;       // references at non-canonical addresses (not translated)
    uint64_t faults = 0;              // page faults the pager resolved (first touches)
    uint64_t translation_cycles = 0;  // latency the translations added (faulting attempts included)
    uint64_t data_cycles = 0;         // latency of the loads' and stores' data accesses (data_cache)
};

class X86Replay {
public:
    X86Replay(const x86::MmuConfig& mmu, x86::PagingMode paging, const common::CacheHierarchyConfig& caches,
              const X86ReplayConfig& config);
    ~X86Replay();

    // Whether a page-size policy maps large pages only where a block is touched whole, and so needs
    // plan_large_pages() (2m, 4m).
    static bool plans(x86::PageSize policy) { return policy == x86::PageSize::k2M || policy == x86::PageSize::k4M; }
    // Whether plan_large_pages() must run before run().
    bool needs_plan() const { return !planned_; }
    // Reads `source` (a first reading of the trace: the same skip + limit references run() will
    // replay) and reserves the address space: large-page regions for the blocks whose every 4 KB
    // page is touched, 4 KB regions around them. Returns how many blocks get a large page.
    uint64_t plan_large_pages(trace::RefSource& source);

    // Replays `source` (up to skip + limit references). `progress` (may be empty) is called with
    // the references read so far every 2^20 references. A pager failure (out of physical memory)
    // is std::runtime_error.
    void run(trace::RefSource& source, const std::function<void(uint64_t)>& progress = {});

    const X86ReplayCounts& counts() const { return counts_; }
    const x86::MmuStats& mmu_stats() const { return mmu_->stats(); }
    const common::CacheHierarchyStats& cache_stats() const { return caches_.stats(); }
    const selfpage::PagerStats& pager_stats() const { return pager_->stats(); }

private:

    void access(uint64_t la, x86::Access access, uint32_t size);
    [[gnu::noinline]] x86::Translation resolve(uint64_t la, x86::Access access, x86::Translation t);
    void replay_batch(const trace::Ref* refs, size_t n);
    std::vector<std::pair<uint64_t, uint64_t>> halves() const;  // {base, bytes} the trace may use
    void reserve(uint64_t base, uint64_t bytes, x86::PageSize largest);

    X86ReplayConfig config_;
    std::unique_ptr<x86::SparseRam> memory_;
    common::CacheHierarchy caches_;
    std::unique_ptr<x86::Mmu> mmu_;
    std::unique_ptr<selfpage::Kernel> kernel_;
    std::unique_ptr<selfpage::Pager> pager_;
    X86ReplayCounts counts_;
    x86::PagingMode paging_;
    bool planned_ = true;  // the address space is reserved (false until plan_large_pages for 2m, 4m)
};

// Paging on in `paging` mode, as a boot loader leaves it (the x86 core and the replay do the
// same): CR0.PG with WP, CR4.PSE for 32-bit paging, CR4.PAE and EFER.LME for long mode (LA57 for 5
// levels), EFER.NXE and CR4.PGE where the CPU has them. std::logic_error if the MMU refuses.
void boot_paging(x86::Mmu& mmu, const x86::MmuConfig& config, x86::PagingMode paging);

}  // namespace vmsim::platform
