#include "workloads/x86/gups.hpp"

#include <stdexcept>

namespace vmsim::x86 {

namespace {

constexpr uint64_t kPage4K = 4096;

uint64_t page_bytes(PageSize page) { return uint64_t{1} << page_shift(page); }
uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
std::string mib(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

bool page_size_exists(PagingMode mode, PageSize page) {
    if (page == PageSize::k4K) return true;
    return mode == PagingMode::Legacy ? page == PageSize::k4M : page != PageSize::k4M;
}

// Page tables a region of `bytes` mapped with `page` can need, at most: at each level above the
// leaf's, one table per span a table of that level covers, plus one for a straddle; and the root.
uint64_t table_bound(PagingMode mode, uint64_t bytes, PageSize page) {
    const bool legacy = mode == PagingMode::Legacy;
    const unsigned levels = legacy ? 2 : 4, index_bits = legacy ? 10 : 9;
    const unsigned leaf = page == PageSize::k4K ? 1 : page == PageSize::k1G ? 3 : 2;
    uint64_t tables = 1;
    for (unsigned level = leaf; level < levels; ++level) {
        const unsigned shift = 12 + index_bits * level;  // what one table of `level` entries maps
        tables += ((bytes + (uint64_t{1} << shift) - 1) >> shift) + 1;
    }
    return tables * kPage4K;
}

void expect(selfpage::Error e, const char* what) {
    if (e != selfpage::Error::Ok)
        throw std::runtime_error(std::string("gups: ") + what + ": " + selfpage::error_name(e));
}

}  // namespace

uint64_t Gups::start(uint64_t seed) {
    // SplitMix64's finaliser spreads small seeds over the whole register; the register must not be
    // 0, its only fixed point.
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1;
}

uint64_t Gups::region_bytes() const { return align_up(config_.table_bytes, page_bytes(config_.page)); }

std::string Gups::check(const GupsConfig& config, PagingMode mode, bool pages_1g, PhysRange free) {
    const std::string size = page_size_name(config.page);
    if (config.table_bytes < kPage4K || (config.table_bytes & (config.table_bytes - 1)))
        return "gups.table_size must be a power of two of at least 4K, got " + std::to_string(config.table_bytes);
    if (mode != PagingMode::Legacy && mode != PagingMode::Long4)
        return "mmu.paging: GUPS's pager (the self-paging library, vmlib/x86) runs legacy32 or long4 paging";
    if (!page_size_exists(mode, config.page))
        return "gups.page_size: " + size + " pages do not exist with mmu.paging = " +
               (mode == PagingMode::Legacy ? "legacy32 (4k or 4m)" : "long4 (4k, 2m or 1g)");
    if (config.page == PageSize::k1G && !pages_1g) return "gups.page_size: 1g pages need mmu.pages_1g = true";
    if (mode == PagingMode::Legacy && kTableLa + config.table_bytes > (uint64_t{1} << 32))
        return "gups.table_size: with 32-bit paging the table (at 1 GB) must end below 4 GB, so at most 2G";
    // The pager's placement: frames of large pages from the lowest aligned address up, page tables
    // and 4 KB frames (the code's among them) from the top down.
    const uint64_t page = page_bytes(config.page), region = align_up(config.table_bytes, page);
    const uint64_t top_down = table_bound(mode, region, config.page) + table_bound(mode, kPage4K, PageSize::k4K) +
                              kPage4K + (page == kPage4K ? region : 0);
    const uint64_t bottom_up = page == kPage4K ? free.base : align_up(free.base, page) + region;
    if (free.end < top_down || bottom_up > free.end - top_down)
        return "mem.size: a " + mib(config.table_bytes) + " GUPS table in " + size + " pages needs about " +
               mib(bottom_up - free.base + top_down) + " of physical memory above " + mib(free.base) +
               " (its frames aligned to their size), and " + mib(free.end) + " of RAM cannot hold it";
    return {};
}

void Gups::setup(Machine& machine) {
    // The platform has turned paging on; the kernel works in that mode and takes the free memory
    // as the application's RAM, as a CPU driver hands init its RAM at boot.
    selfpage::KernelConfig kc;
    kc.mode = machine.mmu().mode();
    kernel_ = std::make_unique<selfpage::Kernel>(machine.physical_memory(), machine.mmu(), kc);
    const PhysRange free = machine.free_memory();
    const selfpage::Result<selfpage::CapRef> ram = kernel_->grant_ram(free.base, free.end - free.base);
    expect(ram.error, "granting the free memory");
    pager_ = std::make_unique<selfpage::Pager>(*kernel_);
    expect(pager_->add_ram(ram.value), "giving the pager its RAM");
    const selfpage::Rights rw = selfpage::kRead | selfpage::kWrite;
    expect(config_.populate ? pager_->map_region(kTableLa, region_bytes(), rw, config_.page)
                            : pager_->reserve_region(kTableLa, region_bytes(), rw, config_.page),
           "mapping the table");
    // The code page is there from the start, as a loaded program's is.
    expect(pager_->map_region(kCodeLa, kPage4K, selfpage::kRead | selfpage::kExecute), "mapping the code");
    expect(pager_->activate(), "loading the pager's page tables");
    selfpage::Pager* pager = pager_.get();
    machine.set_page_fault_handler([pager](uint64_t cr2, uint8_t error_code) {
        const selfpage::FaultOutcome o = pager->handle_fault(cr2, error_code);
        return o == selfpage::FaultOutcome::Mapped || o == selfpage::FaultOutcome::Spurious;
    });
}

}  // namespace vmsim::x86
