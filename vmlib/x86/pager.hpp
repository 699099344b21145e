// A user-level pager on the self-paging kernel (kernel.hpp): the application's own library that
// carves page tables and frames out of the RAM it holds, builds its page tables with
// Kernel::install, and resolves its own page faults (the upcall). Barrelfish's libbarrelfish pmap
// and vregion layer play this part (README.md).
//
//     selfpage::Pager pager(kernel);
//     pager.add_ram(ram_cap);                                     // from Kernel::grant_ram
//     pager.map_region(va, bytes, kRead | kWrite, x86::PageSize::k1G);  // mapped now
//     pager.reserve_region(va2, bytes2, kRead | kWrite);          // mapped page by page on faults
//     pager.activate();                                           // CR3 = the pager's PML4
//     x86::Translation t = selfpage::translate_with_pager(mmu, pager, va2, x86::Access::Write);
//
// Page-size policy. A region names the largest page size it may use (4 KB, 2 MB or 1 GB in long
// mode; 4 KB or 4 MB with 32-bit paging). Each address is mapped by the largest allowed page whose
// aligned block lies wholly inside the region; the ends of a region that do not cover a whole
// aligned block get smaller pages. The layout is fixed by the region, so eager and lazy mapping
// choose the same pages.
//
// Eager mapping installs one Frame per run of pages in one table (up to 512 entries with one
// install, as Barrelfish's vnode_map with a page count), so a 1 GB region of 4 KB pages costs 512
// Frames, not 262,144. Lazy mapping installs one page per fault.
//
// Physical placement: frames for 2 MB and larger pages are taken from the lowest aligned free
// address, page tables and 4 KB-page frames from the highest, so that small allocations do not
// break up the aligned blocks that large pages need. Deterministic.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "models/x86_64/mmu.hpp"
#include "models/x86_64/paging.hpp"
#include "vmlib/x86/caps.hpp"
#include "vmlib/x86/kernel.hpp"

namespace vmsim::selfpage {

// What the pager did with a fault (handle_fault).
enum class FaultOutcome : uint8_t {
    Mapped,      // it mapped the page: retry the access
    Spurious,    // the page was already mapped as the access needs: retry
    NoRegion,    // no region covers the address (a segmentation fault)
    Protection,  // the region forbids the access (a write to a read-only region, a fetch from a
                 // non-executable one)
    Failed,      // the pager could not map (last_error(): OutOfMemory, or the kernel's refusal)
};

const char* fault_outcome_name(FaultOutcome outcome);

struct PagerStats {
    uint64_t faults = 0;                    // upcalls received
    uint64_t faults_mapped = 0;             // upcalls that mapped a page
    uint64_t pages[x86::kPageSizes] = {};   // pages mapped, by x86::PageSize
    uint64_t tables = 0;                    // VNodes created
    uint64_t frames = 0;                    // Frames created (one per run of pages)
};

// Where an address is mapped (Pager::lookup).
struct PageInfo {
    CapRef vnode;          // the table holding the entry
    uint32_t slot = 0;     // the entry
    CapRef frame;          // the Frame capability the run of pages was installed with
    uint64_t page_va = 0;  // the page containing the address
    uint64_t page_bytes = 0;
    uint64_t pa = 0;       // physical address of that page
};

class Pager {
public:
    explicit Pager(Kernel& kernel) : kernel_(kernel) {}

    // Adds a RAM capability to allocate from (WrongType if it is not RAM).
    Error add_ram(CapRef ram);
    // Creates the root table if needed and loads it (Kernel::set_root).
    Error activate();

    // Maps [va, va + bytes) now with `rights` (kRead implied; kWrite, kExecute), pages up to
    // `largest`. Errors: Misaligned / BadSize (not 4 KB multiples), OutOfRange (outside the linear
    // address space, or across the non-canonical hole), Overlap (with another region), BadSize for
    // a page size the mode lacks, OutOfMemory, or the kernel's error (Unsupported: no 1 GB pages).
    // On an error, what was mapped of the region stays mapped and the region stays defined.
    Error map_region(uint64_t va, uint64_t bytes, Rights rights, x86::PageSize largest = x86::PageSize::k4K);
    // Defines the region but maps nothing: each page is mapped by the fault that first touches it.
    Error reserve_region(uint64_t va, uint64_t bytes, Rights rights, x86::PageSize largest = x86::PageSize::k4K);
    // Unmaps the region that starts at `va` and returns its frames to the pool (NotMapped if no
    // region starts there). Page tables stay, for the next region there.
    Error unmap_region(uint64_t va);

    // The page-fault upcall: the faulting linear address (CR2) and the #PF error code.
    FaultOutcome handle_fault(uint64_t va, uint8_t error_code);

    // Where `va` is mapped (NotMapped if it is not).
    Result<PageInfo> lookup(uint64_t va) const;
    // A and D of the page mapping `va`, and clearing them (Kernel::read_ad / clear_ad).
    Result<AdBits> page_ad(uint64_t va) const;
    Error clear_page_ad(uint64_t va, AdBits bits);

    CapRef root() const { return root_; }
    Error last_error() const { return last_error_; }
    const PagerStats& stats() const { return stats_; }

private:
    struct Region {
        uint64_t end;
        Rights rights;
        uint64_t largest;  // bytes
    };
    // One Frame installed as `pages` consecutive entries of one table.
    struct Run {
        uint64_t bytes;
        uint64_t page_bytes;
        CapRef vnode;
        uint32_t slot;
        CapRef frame;
        uint64_t pa;
        unsigned pool;
    };
    struct Pool {
        CapRef ram;
        uint64_t base;
        uint64_t bytes;
        std::map<uint64_t, uint64_t> free;  // offset -> length
    };
    struct Block {
        unsigned pool;
        uint64_t offset;
    };

    Error define(uint64_t va, uint64_t bytes, Rights rights, x86::PageSize largest);
    uint64_t page_for(const Region& region, uint64_t start, uint64_t va) const;
    Error map_run(uint64_t va, uint64_t bytes, uint64_t page_bytes, Rights rights);
    Error ensure_root();
    Result<CapRef> table_for(unsigned level, uint64_t va);
    Result<CapRef> allocate(ObjType type, uint64_t bytes, uint64_t align, bool high, Block& where);
    void release(const Block& where, uint64_t bytes);
    unsigned level_of(uint64_t page_bytes) const;
    uint32_t index(unsigned level, uint64_t va) const;
    const std::pair<const uint64_t, Region>* region_at(uint64_t va) const;
    const std::pair<const uint64_t, Run>* run_at(uint64_t va) const;
    uint64_t strip(uint64_t va) const;  // the address bits the tables translate
    Error fail(Error e);

    Kernel& kernel_;
    std::vector<Pool> pools_;
    CapRef root_;
    std::map<uint64_t, CapRef> tables_;  // (level << 56 | covered-region number) -> VNode
    std::map<uint64_t, Region> regions_;  // by start (stripped address)
    std::map<uint64_t, Run> runs_;        // by start (stripped address)
    Error last_error_ = Error::Ok;
    PagerStats stats_;
};

// The driver side of the upcall, for a host-compiled workload or a trace reader: translates an
// application (user-mode) access and, on a #PF, calls pager.handle_fault and retries while the
// pager resolves it (at most kMaxPagerRetries faults). Returns the last translation, its cycles
// summed over the attempts; `faults` (optional) gets the number of upcalls.
constexpr unsigned kMaxPagerRetries = 3;
x86::Translation translate_with_pager(x86::Mmu& mmu, Pager& pager, uint64_t va, x86::Access access,
                                      unsigned* faults = nullptr);

}  // namespace vmsim::selfpage
