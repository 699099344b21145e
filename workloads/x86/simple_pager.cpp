#include "workloads/x86/simple_pager.hpp"

#include <stdexcept>

namespace vmsim::x86 {

namespace {

constexpr uint64_t kTableBytes = 4096;

uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
uint64_t page_bytes(PageSize page) { return uint64_t{1} << page_shift(page); }

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

SimplePager::Geometry SimplePager::geometry(PagingMode mode) {
    switch (mode) {
        case PagingMode::Legacy: return {2, 4};
        case PagingMode::Long4: return {4, 8};
        case PagingMode::Long5: return {5, 8};
        case PagingMode::Off: break;
    }
    throw std::invalid_argument("SimplePager: paging is off");
}

bool SimplePager::page_size_exists(PagingMode mode, PageSize page) {
    if (page == PageSize::k4K) return mode != PagingMode::Off;
    if (mode == PagingMode::Legacy) return page == PageSize::k4M;
    return mode != PagingMode::Off && page != PageSize::k4M;
}

// The level whose entry maps the page: 1 = PTE, 2 = PDE (2 MB, or 4 MB with 32-bit paging), 3 = PDPTE.
unsigned SimplePager::leaf_level(PagingMode mode, PageSize page) {
    if (!page_size_exists(mode, page))
        throw std::invalid_argument(std::string("SimplePager: no ") + page_size_name(page) + " pages in this paging mode");
    return page == PageSize::k4K ? 1 : page == PageSize::k1G ? 3 : 2;
}

// Tables a region can need, at most: at each level above the leaf, one per span the level's table
// covers, plus one for a region that straddles a boundary (the root is counted by the caller).
uint64_t SimplePager::table_bound(PagingMode mode, const Region& r) {
    const Geometry g = geometry(mode);
    const unsigned index_bits = g.entry_bytes == 8 ? 9 : 10;
    uint64_t tables = 0;
    for (unsigned level = leaf_level(mode, r.page); level < g.levels; ++level) {
        // A table of `level` entries covers 2^(12 + index_bits * level) bytes.
        const unsigned shift = 12 + index_bits * level;
        tables += (shift >= 64 ? 1 : ((r.bytes + (uint64_t{1} << shift) - 1) >> shift)) + 1;
    }
    return tables * kTableBytes;
}

std::string SimplePager::check_fit(PagingMode mode, PhysRange free, const std::vector<Region>& regions) {
    uint64_t tables = kTableBytes;  // the root
    uint64_t frames = free.end;
    for (const Region& r : regions) {
        const uint64_t size = page_bytes(r.page);
        tables += table_bound(mode, r);
        const uint64_t bytes = align_up(r.bytes, size);
        frames = align_down(frames, size);
        if (frames < bytes) frames = 0;
        else frames -= bytes;
    }
    if (free.base + tables <= frames) return {};
    uint64_t need = tables;
    for (const Region& r : regions) need += align_up(r.bytes, page_bytes(r.page));
    return "needs about " + mib(need) + " of physical memory (with each frame aligned to its page size) above " +
           mib(free.base) + ", and " + mib(free.end) + " of RAM cannot hold it";
}

SimplePager::SimplePager(Machine& machine)
    : machine_(machine), mode_(machine.mmu().mode()), geo_(geometry(mode_)) {
    const PhysRange free = machine_.free_memory();
    tables_next_ = align_up(free.base, kTableBytes);
    frames_next_ = free.end;
    root_ = alloc_table();
    if (!machine_.mmu().write_cr3(root_)) throw std::logic_error("SimplePager: the MMU refused CR3");
}

uint64_t SimplePager::read_entry(uint64_t pa) {
    PhysicalMemory& m = machine_.physical_memory();
    bool ok;
    uint64_t v = 0;
    if (geo_.entry_bytes == 8) {
        ok = m.read64(pa, v);
    } else {
        uint32_t w = 0;
        ok = m.read32(pa, w);
        v = w;
    }
    if (!ok) throw std::logic_error("SimplePager: a page table outside RAM");
    return v;
}

void SimplePager::write_entry(uint64_t pa, uint64_t value) {
    PhysicalMemory& m = machine_.physical_memory();
    const bool ok = geo_.entry_bytes == 8 ? m.write64(pa, value) : m.write32(pa, static_cast<uint32_t>(value));
    if (!ok) throw std::logic_error("SimplePager: a page table outside RAM");
}

uint64_t SimplePager::alloc_table() {
    const uint64_t t = tables_next_;
    if (t + kTableBytes > frames_next_)
        throw std::runtime_error("SimplePager: out of physical memory for page tables");
    tables_next_ += kTableBytes;
    return t;
}

uint64_t SimplePager::alloc_frames(uint64_t bytes, PageSize page) {
    const uint64_t top = align_down(frames_next_, page_bytes(page));
    if (top < bytes || top - bytes < tables_next_)
        throw std::runtime_error("SimplePager: out of physical memory for " + mib(bytes) + " of " +
                                 page_size_name(page) + " frames");
    frames_next_ = top - bytes;
    return frames_next_;
}

void SimplePager::add_region(const Region& region, bool populate) {
    const uint64_t size = page_bytes(region.page);
    leaf_level(mode_, region.page);  // throws for a size the mode lacks
    if (region.la & (size - 1)) throw std::invalid_argument("SimplePager: region not aligned to its page size");
    Placed p{region, 0};
    p.region.bytes = align_up(region.bytes, size);
    p.pa = alloc_frames(p.region.bytes, region.page);
    if (!populate) {
        lazy_.push_back(p);
        return;
    }
    for (uint64_t off = 0; off < p.region.bytes; off += size) map_page(p, p.region.la + off);
}

bool SimplePager::handle_fault(uint64_t cr2, uint8_t error_code) {
    if (error_code & kPfP) return false;  // a protection or reserved-bit fault: not ours to fix
    for (const Placed& p : lazy_)
        if (cr2 >= p.region.la && cr2 - p.region.la < p.region.bytes) {
            map_page(p, align_down(cr2, page_bytes(p.region.page)));
            return true;
        }
    return false;
}

// Walks from the root to the leaf's table, creating tables on the way, and writes the leaf entry
// (SDM Vol. 3A 4.3 and 4.5: P, R/W, U/S; PS at a level above 1).
void SimplePager::map_page(const Placed& p, uint64_t la) {
    const Region& r = p.region;
    const unsigned index_bits = geo_.entry_bytes == 8 ? 9 : 10;
    const uint64_t index_mask = (uint64_t{1} << index_bits) - 1;
    const unsigned leaf = leaf_level(mode_, r.page);
    const uint64_t table_flags = kPteP | kPteRw | kPteUs;
    uint64_t table = root_;
    for (unsigned level = geo_.levels; level > leaf; --level) {
        const uint64_t e = table + ((la >> (12 + index_bits * (level - 1))) & index_mask) * geo_.entry_bytes;
        uint64_t v = read_entry(e);
        if (!(v & kPteP)) {
            v = alloc_table() | table_flags;
            write_entry(e, v);
        }
        table = v & 0x000ffffffffff000ull;
    }
    const uint64_t e = table + ((la >> (12 + index_bits * (leaf - 1))) & index_mask) * geo_.entry_bytes;
    if (read_entry(e) & kPteP) return;  // mapped already (a retried fault)
    const uint64_t frame = p.pa + (la - r.la);
    write_entry(e, frame | kPteP | kPteUs | (r.writable ? kPteRw : 0) | (leaf > 1 ? kPtePs : 0));
    ++pages_mapped_;
}

}  // namespace vmsim::x86
