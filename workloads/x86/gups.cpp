#include "workloads/x86/gups.hpp"

namespace vmsim::x86 {

uint64_t Gups::start(uint64_t seed) {
    // SplitMix64's finaliser spreads small seeds over the whole register; the register must not be
    // 0, its only fixed point.
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1;
}

std::vector<SimplePager::Region> Gups::regions() const {
    // The table first: its frames, aligned to their size, take the top of memory before the code's
    // 4 KB frame can break that alignment.
    return {SimplePager::Region{kTableLa, config_.table_bytes, config_.page, true},
            SimplePager::Region{kCodeLa, 4096, PageSize::k4K, false}};
}

std::string Gups::check(const GupsConfig& config, PagingMode mode, bool pages_1g, PhysRange free) {
    const std::string size = page_size_name(config.page);
    if (config.table_bytes < 4096 || (config.table_bytes & (config.table_bytes - 1)))
        return "gups.table_size must be a power of two of at least 4K, got " + std::to_string(config.table_bytes);
    if (!SimplePager::page_size_exists(mode, config.page))
        return "gups.page_size: " + size + " pages do not exist with mmu.paging = " +
               (mode == PagingMode::Legacy ? "legacy32 (4k or 4m)" : "long4/long5 (4k, 2m or 1g)");
    if (config.page == PageSize::k1G && !pages_1g) return "gups.page_size: 1g pages need mmu.pages_1g = true";
    if (mode == PagingMode::Legacy && kTableLa + config.table_bytes > (uint64_t{1} << 32))
        return "gups.table_size: with 32-bit paging the table (at 1 GB) must end below 4 GB, so at most 2G";
    if (std::string problem = SimplePager::check_fit(mode, free, Gups(config).regions()); !problem.empty())
        return "mem.size: a " + std::to_string(config.table_bytes >> 20) + " MiB GUPS table in " + size + " pages " +
               problem;
    return {};
}

void Gups::setup(Machine& machine) {
    pager_ = std::make_unique<SimplePager>(machine);
    SimplePager* pager = pager_.get();
    machine.set_page_fault_handler([pager](uint64_t cr2, uint8_t ec) { return pager->handle_fault(cr2, ec); });
    // The code page is there from the start, as a loaded program's is; the table as asked.
    const std::vector<SimplePager::Region> r = regions();
    pager->add_region(r[0], config_.populate);
    pager->add_region(r[1], true);
}

void Gups::run(Machine& machine) {
    const uint64_t index_mask = config_.table_bytes / 8 - 1;
    uint64_t x = start(config_.seed);
    for (uint64_t i = 0; i < config_.updates; ++i) {
        machine.fetch(kCodeLa);
        x = step(x);
        const uint64_t la = kTableLa + (x & index_mask) * 8;
        machine.store(la, machine.load(la, 8) ^ x, 8);
        machine.operation(config_.update_cycles);
    }
}

}  // namespace vmsim::x86
