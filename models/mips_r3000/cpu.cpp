// R3000 ISS: construction, reset and the architectural state the platform reads.
// Architecture facts and the choices made where sources disagree are recorded in
// docs/r3000.md. The rest of the ISS: cpu_run.cpp (the run loop and instruction
// handlers), cpu_translate.cpp (translation, its host-side caches, decoded pages,
// memory access), cpu_cp0.cpp (CP0, TLB instructions, exceptions, mode accounting).
#include "models/mips_r3000/cpu.hpp"
#include "models/mips_r3000/cpu_inline.hpp"

namespace vmsim::r3000 {
using namespace detail;

Cpu::Cpu(const CpuConfig& config, uint8_t* ram, uint32_t ram_size, Bus* bus)
    : config_(config), random_phase_(config.random_seed % (kTlbEntries - kTlbWired)),
      random_state_(config.random_seed), ram_(ram),
      ram_size_(ram_size), bus_(bus),
      pages_((static_cast<uint64_t>(ram_size) + kPageSize - 1) / kPageSize) {
    if (config_.memory == MemoryModel::Cached) {
        timed_ = true;
        icache_ = std::make_unique<Cache>(config_.icache);  // throws std::invalid_argument on bad geometry
        dcache_ = std::make_unique<Cache>(config_.dcache);
        wbuf_ = std::make_unique<WriteBuffer>(config_.wbuf);
    }
    reset(kVecReset);
}

Cpu::~Cpu() = default;

void Cpu::reset(uint32_t entry_pc) {
    regs_.fill(0);
    hi_ = lo_ = 0;
    hilo_ready_ = 0;
    pc_ = entry_pc;
    npc_ = entry_pc + 4;
    cur_pc_ = entry_pc;
    in_delay_ = next_in_delay_ = false;
    dl_reg_ = pending_reg_ = kNoReg;
    index_ = entrylo_ = context_ = badvaddr_ = entryhi_ = 0;
    status_ = 0;  // kernel mode, interrupts off, BEV = 0 (the simulator boots past the ROM)
    cause_ = epc_ = 0;
    hw_ip_ = 0;
    // The chip's TLB is undefined at reset and a boot ROM flushes it. We start from
    // the state such a flush leaves: distinct kseg0 VPNs, which never match because
    // kseg0 is unmapped, and V = 0.
    for (unsigned i = 0; i < kTlbEntries; ++i) tlb_.write(i, kKseg0 + (i << kPageShift), 0);
    cycles_ = non_insn_cycles_ = 0;
    random_phase_ = config_.random_seed % (kTlbEntries - kTlbWired);
    random_state_ = config_.random_seed;
    stats_ = CpuStats{};
    for (auto& p : pages_) p.reset();
    if (timed_) {
        icache_->flush();
        icache_->reset_stats();
        dcache_->flush();
        dcache_->reset_stats();
        wbuf_->reset();
    }
    acct_user_ = false;
    acct_since_ = 0;
    kernel_entry_ = kEntryOther;
    error_flag_ = break_ = false;
    storm_retired_ = ~uint64_t{0};
    storm_count_ = 0;
    error_.clear();
    tc_flush();
    mode_changed();
}

void Cpu::set_pc(uint32_t pc) {
    pc_ = pc;
    npc_ = pc + 4;
    next_in_delay_ = false;
    cur_vbase_ = kTcInvalid;
}

CpuStats Cpu::stats() const {
    CpuStats s = stats_;
    book_segment(s, cycles_ - acct_since_);  // the segment still open
    return s;
}

}  // namespace vmsim::r3000
