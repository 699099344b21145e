// The R3000 instruction-set simulator: MIPS-I user ISA, CP0, the 64-entry TLB,
// exceptions and the cycle count. Plain C++ (no SystemC): the platform drives it
// through run(), unit tests drive it directly.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/common/stat_list.hpp"
#include "models/mips_r3000/bus.hpp"
#include "models/mips_r3000/cache.hpp"
#include "models/mips_r3000/decode.hpp"
#include "models/mips_r3000/isa.hpp"
#include "models/mips_r3000/tlb.hpp"
#include "models/mips_r3000/write_buffer.hpp"

namespace vmsim::r3000 {

enum class LoadDelay { Exact, Interlocked };

// ideal: every instruction and access takes its one cycle (no memory system).
// cached: I- and D-cache, write buffer and memory latency as configured.
enum class MemoryModel { Ideal, Cached };

struct CpuConfig {
    // exact: loads and mfc0 have a one-instruction, non-interlocked delay (the R3000);
    // interlocked: the result is visible to the next instruction.
    LoadDelay load_delay = LoadDelay::Exact;
    uint32_t prid = 0x0220;             // R3000 (reference sheet, CP0 register 15)
    unsigned mult_latency = 12;         // MULT/MULTU until HI/LO ready (R3000 manual)
    unsigned div_latency = 35;          // DIV/DIVU until HI/LO ready (R3000 manual)
    // Cycles lost on exception entry: the R3000 takes exceptions in the MEM stage
    // and squashes the two younger instructions in IF and RD.
    unsigned exception_entry_cycles = 2;
    // The TLB's Random register (see random_index). 0: Random counts down once a
    // cycle from reset, exactly as the chip does, so which entry a refill replaces
    // follows the cycle count. Non-zero: Random starts at phase seed mod 56 and,
    // after each tlbwr, skips ahead a pseudo-random 0..55 steps drawn from a
    // generator seeded with the seed. A real machine spends cycles between two
    // refills that the simulator does not execute (clock interrupts, DRAM refresh,
    // memory timing that depends on the state of the board); software cannot see
    // them (the R3000 has no cycle counter), but they decide which entry the next
    // refill replaces. A phase alone would not: since Random steps once a cycle
    // whatever its phase, a different phase only renames entries 8..63. No timing
    // changes with the seed; each seed is one repeatable draw of the replacement.
    uint32_t random_seed = 0;

    MemoryModel memory = MemoryModel::Ideal;
    CacheConfig icache, dcache;       // MemoryModel::Cached only
    WriteBufferConfig wbuf;
    unsigned read_latency = 6;        // cycles a cache-miss read stalls (fill and restart)
    unsigned uncached_latency = 6;    // cycles an uncached (kseg1, N=1, device) read stalls
};

enum class StopReason {
    CycleLimit,        // reached the cycle limit given to run()
    InstructionLimit,  // reached the instruction limit given to run()
    Break,             // break_run() was called (e.g. from a device access)
    GuestError,        // the guest did something the simulator cannot continue from
};

struct CpuStats {
    std::array<uint64_t, kNumExcCodes> exceptions{};  // by ExcCode
    uint64_t utlb_refills = 0;      // exceptions taken through the UTLB-refill vector
    uint64_t tlb_writes = 0;        // tlbwi + tlbwr
    uint64_t tlb_probes = 0;        // tlbp
    uint64_t tlb_reads = 0;         // tlbr
    uint64_t muldiv_stall_cycles = 0;
    uint64_t exception_cycles = 0;  // exception entry cost
    uint64_t uncached_accesses = 0; // kseg1 and device accesses

    // Where the cycles went. instruction + icache_stall + dcache_stall + wbuf_stall +
    // uncached_stall + muldiv_stall_cycles + exception_cycles + faulted == cycles.
    uint64_t icache_stall_cycles = 0;    // instruction fetches that missed: memory read
    uint64_t dcache_stall_cycles = 0;    // loads that missed: memory read
    uint64_t wbuf_stall_cycles = 0;      // stores into a full write buffer, reads behind writes
    uint64_t uncached_stall_cycles = 0;  // uncached fetches and loads
    uint64_t faulted_cycles = 0;         // issue cycles of instructions that raised an exception
    // By mode, and kernel time by how the kernel was entered from user mode.
    uint64_t user_cycles = 0, kernel_cycles = 0;
    uint64_t kernel_utlb_cycles = 0;     // entered through the UTLB-refill vector
    uint64_t kernel_general_cycles = 0;  // entered through the general vector
    uint64_t kernel_other_cycles = 0;    // not entered from user mode (boot, kernel-only code)

    // As statistics ("cpu." prefix): uncached accesses and exceptions by ExcCode.
    common::StatList exception_stats() const {
        common::StatList out{{"uncached_accesses", "loads/stores to kseg1, N=1 pages and devices", uncached_accesses}};
        uint64_t total = 0;
        for (uint32_t code = 0; code <= kExcOv; ++code) {
            const std::string name = exc_code_name(code);
            out.push_back({"exceptions." + name,
                           "exceptions with ExcCode " + std::to_string(code) + " (" + name + ")", exceptions[code]});
            total += exceptions[code];
        }
        out.push_back({"exceptions.total", "exceptions of every kind", total});
        return out;
    }
    // ("cycles.kernel." prefix): kernel time by how it was entered from user mode.
    common::StatList kernel_entry_stats() const {
        return {{"utlb", "kernel cycles entered from user mode through the UTLB-refill vector", kernel_utlb_cycles},
                {"general", "kernel cycles entered from user mode through the general vector",
                 kernel_general_cycles},
                {"other", "kernel cycles not entered from user mode (boot, kernel-only code)", kernel_other_cycles}};
    }
    // ("tlb." prefix): TLB refills and TLB instructions.
    common::StatList tlb_stats() const {
        return {{"refill_exceptions", "TLB misses taken through the UTLB-refill vector", utlb_refills},
                {"writes", "tlbwi and tlbwr executed", tlb_writes},
                {"probes", "tlbp executed", tlb_probes},
                {"reads", "tlbr executed", tlb_reads}};
    }
};

class Cpu {
public:
    // ram: host memory backing physical [0, ram_size); bus: everything else.
    Cpu(const CpuConfig& config, uint8_t* ram, uint32_t ram_size, Bus* bus);
    ~Cpu();
    Cpu(const Cpu&) = delete;
    Cpu& operator=(const Cpu&) = delete;

    // Boot state: pc = entry, kernel mode, interrupts off, BEV = 0, TLB cleared,
    // counters zero, all GPRs zero.
    void reset(uint32_t entry_pc);

    // Executes instructions until cycles() >= cycle_limit, instructions() >=
    // insn_limit, break_run() or a guest error. Pending interrupts are taken at
    // instruction boundaries.
    StopReason run(uint64_t cycle_limit, uint64_t insn_limit);
    // Makes run() return after the current instruction (callable from Bus callbacks).
    void break_run();

    // Hardware interrupt input: ip = Cause.IP bit number, 2..7.
    void set_interrupt(unsigned ip, bool level);

    // The guest wrote code through a path the core does not see (e.g. the loader).
    void invalidate_code(uint32_t pa, uint32_t len);

    // --- trap-driven replay (sim/platform/r3000/replay.cpp, docs/replay.md) ---
    // run() returns StopReason::Break, before fetching, when the pc reaches `pc` through a
    // jump, branch or exception return (the replay's sentinel return address). Checked
    // only where the core enters another code page, so the hit path is unchanged.
    void set_stop_pc(uint32_t pc) { stop_pc_ = pc; }
    // Takes the TLB exception (kExcTLBL, kExcTLBS or kExcMod) that an access to `va`
    // raises, exactly as translation does (BadVAddr, Context.BadVPN, EntryHi.VPN, Cause,
    // the KU/IE push, the vector, exception-entry cycles), with EPC = `epc` and no
    // faulting instruction (its issue cycle is not charged: the replay has no instruction).
    void replay_tlb_exception(uint32_t code, uint32_t va, bool utlb_vector, uint32_t epc);

    // --- architectural state (for the platform, debuggers and tests) ---
    uint32_t gpr(unsigned r) const { return regs_[r]; }
    void set_gpr(unsigned r, uint32_t v) { if (r) regs_[r] = v; }
    uint32_t pc() const { return pc_; }
    void set_pc(uint32_t pc);
    uint32_t hi() const { return hi_; }
    uint32_t lo() const { return lo_; }
    uint32_t cp0(unsigned reg) const;          // as mfc0 would read it
    uint32_t cp0_at(unsigned reg, uint64_t cycles) const;  // the same, at a given cycle (Random)
    void set_cp0(unsigned reg, uint32_t v);    // as mtc0 would write it
    const Tlb& tlb() const { return tlb_; }
    bool user_mode() const { return status_ & kStatusKUc; }

    uint64_t cycles() const { return cycles_; }
    uint64_t instructions() const { return cycles_ - non_insn_cycles_; }
    // Counters, with the cycles of the mode the CPU is in now included.
    CpuStats stats() const;
    // The caches and write buffer (MemoryModel::Cached), or null.
    const Cache* icache() const { return icache_.get(); }
    const Cache* dcache() const { return dcache_.get(); }
    const WriteBuffer* write_buffer() const { return wbuf_.get(); }
    const CpuConfig& config() const { return config_; }
    // After StopReason::GuestError: one line saying what happened and where.
    const std::string& error() const { return error_; }

private:
    struct TcEntry {
        uint32_t tag;     // virtual page number, or kTcInvalid
        uint32_t pa_off;  // physical address = va + pa_off
        intptr_t delta;   // host address = va + delta (RAM only)
    };
    struct FetchEntry {
        uint32_t tag;
        uint32_t pa;      // physical page address
        DecodedPage* page;
        bool cached;
    };
    static constexpr unsigned kTcSize = 256;
    // Host-side translation caches in front of the architectural TLB, direct-mapped
    // on the VPN, one set per mode (user mode may not reach kseg0-2). Invisible to
    // the guest: flushed for a VPN on every TLB write to it, wholly on ASID change.
    struct TcSet {
        std::array<TcEntry, kTcSize> read, write;
        std::array<FetchEntry, kTcSize> fetch;
    };
    static constexpr uint32_t kTcInvalid = 0xffffffffu;
    enum class Access { Fetch, Load, Store };

    // Members marked inline are defined in cpu_inline.hpp (the run loop's hit paths).

    // cpu_run.cpp: the run loop and the instruction handlers.
    template <bool Exact, bool Timed>
    StopReason run_loop();
    bool interrupt_pending() const;

    // cpu_translate.cpp: translation, the host-side translation caches, decoded
    // pages, instruction fetch and data access.
    bool translate(uint32_t va, Access access, uint32_t& pa, bool& cached);
    void tc_flush();
    inline void tc_flush_vpn(uint32_t vpn);
    void tc_fill(std::array<TcEntry, kTcSize>& cache, uint32_t va, uint32_t pa);
    void tc_forget_write_page(uint32_t ppn);
    // Fetch: make cur_page_ hold pc_; false when that raised an exception.
    bool enter_code_page();
    DecodedPage* decoded_page(uint32_t ppn);
    // Data access paths; false when the access raised an exception.
    template <bool Timed, typename Slow>
    inline bool load_fast(const TcSet* tc, uint32_t va, unsigned size, uint32_t& value, uint64_t& cycles,
                          Slow&& slow);
    template <bool Timed, typename Slow>
    inline bool store_fast(const TcSet* tc, uint32_t va, unsigned size, uint32_t value, uint64_t& cycles,
                           Slow&& slow);
    bool load_slow(uint32_t va, unsigned size, uint32_t& value);
    bool store_slow(uint32_t va, unsigned size, uint32_t value, uint32_t keep);
    bool store_merge(uint32_t va, uint32_t bits, uint32_t keep);
    // Memory-system timing (MemoryModel::Cached): each returns the stall cycles of
    // one access at cycle `now` and books them.
    inline uint64_t memory_read(uint64_t now, unsigned latency, uint64_t& stall_counter);
    inline uint64_t read_miss(uint64_t now, uint64_t& stall_counter);
    inline uint64_t uncached_read(uint64_t now);
    inline uint64_t buffered_write(uint64_t now);
    inline uint64_t data_read(uint32_t pa, uint64_t now);
    inline uint64_t data_write(uint32_t pa, unsigned size, uint64_t now);

    // cpu_cp0.cpp: exceptions, mode accounting, CP0 registers and TLB instructions.
    // Exception entry. epc_pc/bd describe the instruction the exception belongs to.
    void exception(uint32_t code, uint32_t epc_pc, bool bd, bool utlb_vector = false, uint32_t ce = 0);
    // An exception caused by the instruction being executed (it does not retire).
    // Not inline: inlined into the run loop, its call to exception() made GCC keep
    // `cur` on the stack, which every taken branch then reloaded (measured).
    void fault(uint32_t code, uint32_t ce = 0, bool utlb_vector = false);
    void tlb_shutdown(const std::string& what);
    void address_error(uint32_t code, uint32_t va);
    void tlb_exception(uint32_t code, uint32_t va, bool utlb_vector);
    void tlb_fault_registers(uint32_t va);  // BadVAddr, Context.BadVPN, EntryHi.VPN of a TLB exception
    void guest_error(const std::string& msg);
    inline void request_check();
    void commit_pending_loads();
    void mode_changed();
    void account_mode();
    void book_segment(CpuStats& s, uint64_t span) const;
    inline uint32_t read_cp0(unsigned reg, uint64_t cycles) const;
    void exec_cop0(const DecodedInsn& d);
    void write_cp0(unsigned reg, uint32_t v);
    void tlb_write(unsigned index);
    void set_entryhi(uint32_t v);
    inline uint32_t random_index(uint64_t cycles) const;
    void set_status(uint32_t v);

    CpuConfig config_;
    uint32_t random_phase_;  // added to the cycle count: config_.random_seed mod 56, then skips
    uint64_t random_state_;  // the skips' generator (splitmix64), when random_seed != 0
    inline void random_skip();
    uint8_t* ram_;
    uint32_t ram_size_;
    Bus* bus_;

    // GPRs: index 32 is a write sink for instructions whose destination is $zero.
    std::array<uint32_t, 33> regs_{};
    uint32_t hi_ = 0, lo_ = 0;
    uint64_t hilo_ready_ = 0;  // cycle at which HI/LO become readable
    uint32_t pc_ = 0, npc_ = 4;
    uint32_t cur_pc_ = 0;          // instruction being executed
    uint32_t stop_pc_ = 0xffffffffu;  // set_stop_pc (misaligned: never reached by default)
    bool in_delay_ = false;        // cur_pc_ is in a branch delay slot
    bool next_in_delay_ = false;   // pc_ is in a branch delay slot
    // Delayed loads (exact mode): the load issued by the previous instruction
    // (dl_) lands after the current one unless the current one writes that register;
    // pending_ is the load issued by the current instruction. kNoReg (the $zero
    // sink) means none.
    static constexpr unsigned kNoReg = 32;
    unsigned dl_reg_ = kNoReg, pending_reg_ = kNoReg;
    uint32_t dl_val_ = 0, pending_val_ = 0;

    // CP0
    uint32_t index_ = 0, entrylo_ = 0, context_ = 0, badvaddr_ = 0, entryhi_ = 0;
    uint32_t status_ = 0, cause_ = 0, epc_ = 0;
    Tlb tlb_;
    uint32_t hw_ip_ = 0;  // hardware interrupt lines, in Cause bit positions

    // Instructions retired = cycles_ - non_insn_cycles_ (stalls, exception entry and
    // the cycles of faulting instructions): the run loop then counts one number.
    uint64_t cycles_ = 0, non_insn_cycles_ = 0;
    uint64_t cycle_limit_ = 0;   // the run loop leaves its fast path when cycles_ reaches this
    uint64_t run_cycle_limit_ = 0, insn_limit_ = 0;
    bool break_ = false, check_ = false, error_flag_ = false;
    // Exceptions since an instruction last retired (exception storm detection).
    static constexpr unsigned kExceptionStormLimit = 10000;
    uint64_t storm_retired_ = ~uint64_t{0};
    unsigned storm_count_ = 0;
    std::string error_;
    CpuStats stats_;

    // Decoded code, per physical page, built on first execution.
    std::vector<std::unique_ptr<DecodedPage>> pages_;
    DecodedPage* cur_page_ = nullptr;   // decoded page holding pc_
    uint32_t cur_vbase_ = kTcInvalid;   // its virtual base address (page aligned)
    std::array<TcSet, 2> tc_;           // [0] kernel, [1] user
    TcSet* tc_cur_ = &tc_[0];
    bool cur_fetch_cached_ = true;      // cur_page_ was reached through a cached segment
    uint32_t cur_page_pa_ = 0;          // its physical address

    // Memory system (MemoryModel::Cached only).
    bool timed_ = false;
    std::unique_ptr<Cache> icache_, dcache_;
    std::unique_ptr<WriteBuffer> wbuf_;
    // Cycle accounting by mode: the segment being timed and how the kernel was entered.
    enum KernelEntry { kEntryOther, kEntryUtlb, kEntryGeneral };
    bool acct_user_ = false;
    uint64_t acct_since_ = 0;
    KernelEntry kernel_entry_ = kEntryOther;
};

}  // namespace vmsim::r3000
