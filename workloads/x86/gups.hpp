// GUPS (giga-updates per second; the HPC Challenge "RandomAccess" benchmark): random
// read-modify-write updates of 64-bit words of a table much larger than the TLBs reach, compiled for
// the host and run on the x86 platform (machine.hpp). Each update fetches the loop's code, loads a
// word at a pseudo-random index, XORs the random value into it and stores it back. The random
// stream is HPCC's: a 64-bit shift register over GF(2) that shifts left and XORs in HPCC's POLY, 7,
// when the bit shifted out was 1; the index is the value's low bits. Its start is derived from `seed`, so the same seed makes the same updates.
//
// The table is mapped with one page size (4 KB, 2 MB, 4 MB with 32-bit paging, 1 GB) by the
// application's own pager on the self-paging kernel (vmlib/x86: selfpage::Pager over
// selfpage::Kernel, given the machine's free physical memory as its RAM), at once (populate) or on
// the first touch of each page through the fault upcall. The region is the table rounded up to
// whole pages, so that the pager's policy (the largest page whose aligned block lies inside the
// region) picks the page size asked for. HPCC's initialisation pass (table[i] = i) is left out, and
// so is its verification, so that the run is the updates only; the table's frames are not zeroed
// (the kernel does not zero Frames), and simulated RAM starts at zero.
//
// Virtual layout: the code page at 4 MB (0x400000, where an x86-64 executable's text starts), the
// table at 1 GB (aligned for every page size, and below 4 GB for 32-bit paging).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "vmlib/x86/kernel.hpp"
#include "vmlib/x86/pager.hpp"
#include "workloads/x86/machine.hpp"

namespace vmsim::x86 {

struct GupsConfig {
    uint64_t table_bytes = uint64_t{256} << 20;  // a power of two, at least 4 KB
    uint64_t updates = 1'000'000;
    uint64_t seed = 1;
    PageSize page = PageSize::k4K;
    bool populate = true;  // map the whole table before the run (else on first touch)
    // The update's own instructions besides its load, store and fetch (the generator step, the index
    // mask, the XOR, the loop): about 6 simple integer instructions; a cycle count is an estimate.
    uint32_t update_cycles = 4;
};

class Gups final : public Workload {
public:
    static constexpr uint64_t kCodeLa = 0x400000;
    static constexpr uint64_t kTableLa = uint64_t{1} << 30;

    explicit Gups(const GupsConfig& config) : config_(config) {}

    void setup(Machine& machine) override;
    void run(Machine& machine) override { run_on(machine); }
    // run() against a machine type known at compile time: a platform whose core is `final` (or an
    // adaptor of it) instantiates it, so that the five calls an update makes are direct and inline
    // rather than virtual (docs/performance.md). The same calls in the same order as run().
    template <class M>
    void run_on(M& machine);

    // Empty when the configuration can run in `mode` within `free`; else one sentence naming the
    // parameter at fault by its key ("gups.page_size ...", "mem.size ..."). `pages_1g`: the CPU's
    // support for 1 GB pages. The memory check follows the pager's placement (large frames from the
    // lowest aligned address, tables and 4 KB frames from the top) with a bound on the tables.
    static std::string check(const GupsConfig& config, PagingMode mode, bool pages_1g, PhysRange free);

    // The pager's statistics (faults, pages mapped by size), once set up.
    const selfpage::PagerStats& pager_stats() const { return pager_->stats(); }

    // The generator: the first value for `seed`, and one step.
    static uint64_t start(uint64_t seed);
    static uint64_t step(uint64_t x) { return (x << 1) ^ (static_cast<int64_t>(x) < 0 ? kPoly : 0); }

private:
    static constexpr uint64_t kPoly = 7;

    uint64_t region_bytes() const;

    GupsConfig config_;
    std::unique_ptr<selfpage::Kernel> kernel_;
    std::unique_ptr<selfpage::Pager> pager_;
};

template <class M>
void Gups::run_on(M& machine) {
    const uint64_t index_mask = config_.table_bytes / 8 - 1;
    uint64_t x = start(config_.seed);
    // The generator runs kLookahead steps ahead of the updates, so that the simulator's host can be
    // told each address that far in advance (Machine::host_prefetch: no effect on the results).
    constexpr unsigned kLookahead = 8;
    uint64_t ahead[kLookahead];
    uint64_t next = x;
    for (uint64_t& a : ahead) a = next = step(next);
    for (uint64_t i = 0; i < config_.updates; ++i) {
        machine.fetch(kCodeLa);
        x = ahead[i % kLookahead];
        ahead[i % kLookahead] = next = step(next);
        machine.host_prefetch(kTableLa + (next & index_mask) * 8);
        const uint64_t la = kTableLa + (x & index_mask) * 8;
        machine.read_modify_write(la, 8, [](uint64_t old, uint64_t value) { return old ^ value; }, x);
        machine.operation(config_.update_cycles);
    }
}

}  // namespace vmsim::x86
