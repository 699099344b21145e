// A minimal pager for host-compiled workloads: it builds page tables in simulated physical memory,
// in the hardware format of the paging mode the machine is in (32-bit with 4 KB and 4 MB pages,
// 4- or 5-level with 4 KB, 2 MB and 1 GB pages), and maps regions either at once or page by page
// on the first fault. It stands in for the self-paging library (vmlib/x86) until GUPS moves to it.
//
// Physical memory is the machine's free range: page tables are taken from its bottom, each region's
// frames from its top, contiguous and aligned to the page size (reserved when the region is added,
// whether it is mapped then or on faults), so that large frames find their alignment without
// fragmenting the tables. Nothing is ever unmapped or freed; RAM starts zeroed, so a new table is
// empty and a new frame reads as zeros, as from an OS that zeroes pages.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/x86/machine.hpp"

namespace vmsim::x86 {

class SimplePager {
public:
    // A region as add_region() takes it.
    struct Region {
        uint64_t la = 0, bytes = 0;  // la aligned to the page size; bytes rounded up to whole pages
        PageSize page = PageSize::k4K;
        bool writable = true;
    };

    // Allocates the root table and loads CR3. Paging must be on (the platform turns it on).
    explicit SimplePager(Machine& machine);

    // Maps a region user-accessible (and writable if asked). populate: every page now; otherwise
    // each page on its first fault (handle_fault). std::invalid_argument if the page size does not
    // exist in the paging mode or the region is misaligned; std::runtime_error when physical memory
    // runs out.
    void add_region(const Region& region, bool populate);

    // The page-fault upcall: a not-present fault inside a region maps its page and returns true;
    // anything else (a protection fault, an address outside every region) returns false.
    bool handle_fault(uint64_t cr2, uint8_t error_code);

    uint64_t pages_mapped() const { return pages_mapped_; }

    // Empty when `regions`, mapped in order, fit in `free` under `mode`; else one sentence saying
    // how much memory they need. Follows the allocator's own arithmetic, with a bound on tables.
    static std::string check_fit(PagingMode mode, PhysRange free, const std::vector<Region>& regions);
    // Whether `page` exists in `mode` ("4m" only with 32-bit paging, "2m" and "1g" only in long
    // mode; 1 GB pages also need the CPU's support, which the caller checks).
    static bool page_size_exists(PagingMode mode, PageSize page);

private:
    struct Geometry {
        unsigned levels, entry_bytes;
    };
    static Geometry geometry(PagingMode mode);
    static unsigned leaf_level(PagingMode mode, PageSize page);
    static uint64_t table_bound(PagingMode mode, const Region& r);

    uint64_t read_entry(uint64_t pa);
    void write_entry(uint64_t pa, uint64_t value);
    // A region and the physical address of its first frame.
    struct Placed {
        Region region;
        uint64_t pa;
    };

    uint64_t alloc_table();
    uint64_t alloc_frames(uint64_t bytes, PageSize page);
    void map_page(const Placed& p, uint64_t la);

    Machine& machine_;
    PagingMode mode_;
    Geometry geo_;
    uint64_t root_ = 0;
    uint64_t tables_next_ = 0;  // grows up
    uint64_t frames_next_ = 0;  // grows down
    std::vector<Placed> lazy_;  // regions mapped on faults
    uint64_t pages_mapped_ = 0;
};

}  // namespace vmsim::x86
