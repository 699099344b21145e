// R3000 ISS: the run loop and the instruction handlers.
#include "models/mips_r3000/cpu.hpp"
#include "models/mips_r3000/cpu_inline.hpp"

#include <algorithm>

namespace vmsim::r3000 {
using namespace detail;
namespace {

inline uint32_t sign_extend8(uint32_t v) { return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(v))); }

inline uint32_t sign_extend16(uint32_t v) {
    return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(v)));
}

}  // namespace

// ---------------------------------------------------------------------------
// Run control

void Cpu::break_run() {
    break_ = true;
    cycle_limit_ = 0;
}

bool Cpu::interrupt_pending() const {
    if (!(status_ & kStatusIEc)) return false;
    return ((cause_ | hw_ip_) & status_ & kStatusIMMask) != 0;
}

StopReason Cpu::run(uint64_t cycle_limit, uint64_t insn_limit) {
    run_cycle_limit_ = cycle_limit;
    insn_limit_ = insn_limit;
    request_check();  // take a pending interrupt before the first instruction
    const bool exact = config_.load_delay == LoadDelay::Exact;
    if (timed_) return exact ? run_loop<true, true>() : run_loop<false, true>();
    return exact ? run_loop<true, false>() : run_loop<false, false>();
}

// ---------------------------------------------------------------------------
// The run loop

// The run loop keeps the state carried from one instruction to the next in locals
// (registers) and writes it back to the members only around calls that read or
// change it: SAVE before, LOAD after. Few enough values are carried that they fit
// the host's registers; the rest is stored to members, which costs no reloads.
// A load in flight is packed as (register << 32 | value); kNoLoad names the sink.
template <bool Exact, bool Timed>
StopReason Cpu::run_loop() {
    constexpr uint64_t kNoLoad = uint64_t{kNoReg} << 32;
    uint32_t* const __restrict r = regs_.data();
    uint32_t pc, npc;
    bool nid;
    uint64_t cycles, climit, dl = kNoLoad, pend = kNoLoad;
    TcSet* tc;
    uint32_t vbase, page_pa = 0;
    bool fetch_cached = true;
    const DecodedInsn* page;

    // climit folds the instruction limit in: cycles advance at least as fast as
    // instructions, so the loop cannot pass either limit unseen.
    const auto effective_limit = [this] {
        const uint64_t done = instructions();
        const uint64_t left = insn_limit_ > done ? insn_limit_ - done : 0;
        return std::min(cycle_limit_, cycles_ + left < cycles_ ? ~uint64_t{0} : cycles_ + left);
    };
#define SAVE()                                                                            \
    (pc_ = pc, npc_ = npc, next_in_delay_ = nid, cycles_ = cycles,                        \
     cur_pc_ = cur, in_delay_ = in_delay,                                                  \
     dl_reg_ = static_cast<unsigned>(dl >> 32), dl_val_ = static_cast<uint32_t>(dl),      \
     pending_reg_ = static_cast<unsigned>(pend >> 32), pending_val_ = static_cast<uint32_t>(pend))
#define LOAD()                                                                            \
    (pc = pc_, npc = npc_, nid = next_in_delay_, cycles = cycles_, climit = effective_limit(), \
     dl = (uint64_t{dl_reg_} << 32) | dl_val_, pend = (uint64_t{pending_reg_} << 32) | pending_val_, \
     tc = tc_cur_, vbase = cur_vbase_, page = cur_page_ ? cur_page_->insns.data() : nullptr, \
     page_pa = cur_page_pa_, fetch_cached = cur_fetch_cached_)
#define SLOW(call) (SAVE(), (call), LOAD())
#define LOAD_RESULT(dest, v)                                      \
    do {                                                          \
        if (Exact)                                                \
            pend = (uint64_t{dest} << 32) | static_cast<uint32_t>(v); \
        else                                                      \
            r[(dest)] = (v);                                      \
    } while (0)
    // Inline translation-cache hit, else the slow path (which may raise).
#define LOAD_MEM(va_, size_, out_) load_fast<Timed>(tc, (va_), (size_), (out_), cycles, [&](uint32_t va2, unsigned sz, uint32_t& o) { \
        bool ok_; SAVE(); ok_ = load_slow(va2, sz, o); LOAD(); return ok_; })
#define STORE_MEM(va_, size_, v_) store_fast<Timed>(tc, (va_), (size_), (v_), cycles, [&](uint32_t va2, unsigned sz, uint32_t val) { \
        bool ok_; SAVE(); ok_ = store_slow(va2, sz, val, 0); LOAD(); return ok_; })
#define STORE_MERGE(va_, bits_, keep_) SLOW(store_merge((va_), (bits_), (keep_)))

    // Dispatch through a table of label addresses (GCC computed goto) instead of a
    // switch: no bounds check, and the handlers return to one fetch-and-dispatch
    // point. (Giving every handler its own copy of the indirect jump was measured
    // on the project machine and was no faster: its predictor uses global history.)
    // One handler L_<name> per line of insn_list.def, in Op order: a missing handler
    // is an undefined label, a handler not in the list an unused one (-Wall).
    static const void* const kHandlers[] = {
#define R3000_INSN(name, ...) &&L_##name,
#include "models/mips_r3000/insn_list.def"
    };
    static_assert(sizeof(kHandlers) / sizeof(kHandlers[0]) == kNumOps);
    const DecodedInsn* d = nullptr;
#define DISPATCH()                                                              \
    do {                                                                        \
        if (Exact) {                                                            \
            /* The previous instruction's load lands now, unless this one wrote \
               the same register (it wins) or loaded it again (the first is     \
               dropped). With no load in flight dl names the sink register. */  \
            const unsigned dreg_ = static_cast<unsigned>(dl >> 32);             \
            if (d->dest != dreg_) r[dreg_] = static_cast<uint32_t>(dl);         \
        }                                                                       \
        goto next;                                                              \
    } while (0)
#define FETCH_AND_JUMP()                                                        \
    do {                                                                        \
        if (VMSIM_UNLIKELY(cycles >= climit)) goto slow_top;                    \
        /* One compare covers both a page change and a misaligned pc. */        \
        if (VMSIM_UNLIKELY((pc & ~(kPageSize - 4)) != vbase)) goto slow_fetch;  \
        d = &page[(pc >> 2) & (kInsnsPerPage - 1)];                             \
        if (Timed) {                                                            \
            if (!fetch_cached)                                                  \
                cycles += uncached_read(cycles);                                \
            else if (!icache_->access(page_pa | (pc & (kPageSize - 4))))        \
                cycles += read_miss(cycles, stats_.icache_stall_cycles);        \
        }                                                                       \
        cur = pc; /* SAVE() hands cur and in_delay to the exception paths */   \
        in_delay = nid;                                                         \
        nid = false;                                                            \
        pc = npc;                                                               \
        npc += 4;                                                               \
        ++cycles;                                                               \
        if (Exact) {                                                            \
            dl = pend;                                                          \
            pend = kNoLoad;                                                     \
        }                                                                       \
        goto* kHandlers[static_cast<unsigned>(d->op)];                          \
    } while (0)

    uint32_t cur = cur_pc_;
    bool in_delay = in_delay_;
    LOAD();
    goto slow_top;

next:
    FETCH_AND_JUMP();

slow_top:
    if (cycles >= climit) {
        SAVE();
        if (error_flag_) return StopReason::GuestError;
        if (break_) {
            break_ = false;
            cycle_limit_ = run_cycle_limit_;
            return StopReason::Break;
        }
        if (instructions() >= insn_limit_) return StopReason::InstructionLimit;
        if (check_) {
            check_ = false;
            cycle_limit_ = run_cycle_limit_;
            if (interrupt_pending()) exception(kExcInt, pc_, next_in_delay_);
            LOAD();
            goto slow_top;
        }
        if (cycles_ >= run_cycle_limit_) return StopReason::CycleLimit;
        LOAD();
    }
slow_fetch:
    if ((pc & ~(kPageSize - 4)) != vbase) {
        bool ok;
        SAVE();
        ok = enter_code_page();
        LOAD();
        if (!ok) goto slow_top;
    }
    FETCH_AND_JUMP();

            L_NOP: DISPATCH();
            L_SLL: r[d->dest] = r[d->rt] << d->sa; DISPATCH();
            L_SRL: r[d->dest] = r[d->rt] >> d->sa; DISPATCH();
            L_SRA: r[d->dest] = static_cast<uint32_t>(static_cast<int32_t>(r[d->rt]) >> d->sa); DISPATCH();
            L_SLLV: r[d->dest] = r[d->rt] << (r[d->rs] & 31); DISPATCH();
            L_SRLV: r[d->dest] = r[d->rt] >> (r[d->rs] & 31); DISPATCH();
            L_SRAV: r[d->dest] = static_cast<uint32_t>(static_cast<int32_t>(r[d->rt]) >> (r[d->rs] & 31)); DISPATCH();
            L_JR: npc = r[d->rs]; nid = true; DISPATCH();
            L_JALR: {
                const uint32_t target = r[d->rs];
                r[d->dest] = cur + 8;
                npc = target;
                nid = true;
                DISPATCH();
            }
            L_SYSCALL: SLOW(fault(kExcSys)); DISPATCH();
            L_BREAK: SLOW(fault(kExcBp)); DISPATCH();
            L_MFHI: L_MFLO:
                if (cycles < hilo_ready_) {  // interlock until the multiply/divide unit is done
                    stats_.muldiv_stall_cycles += hilo_ready_ - cycles;
                    non_insn_cycles_ += hilo_ready_ - cycles;
                    cycles = hilo_ready_;
                }
                r[d->dest] = d->op == Op::MFHI ? hi_ : lo_;
                DISPATCH();
            L_MTHI: hi_ = r[d->rs]; DISPATCH();
            L_MTLO: lo_ = r[d->rs]; DISPATCH();
            L_MULT: {
                const int64_t p = static_cast<int64_t>(static_cast<int32_t>(r[d->rs])) *
                                  static_cast<int64_t>(static_cast<int32_t>(r[d->rt]));
                lo_ = static_cast<uint32_t>(p);
                hi_ = static_cast<uint32_t>(static_cast<uint64_t>(p) >> 32);
                hilo_ready_ = cycles + config_.mult_latency;
                DISPATCH();
            }
            L_MULTU: {
                const uint64_t p = static_cast<uint64_t>(r[d->rs]) * r[d->rt];
                lo_ = static_cast<uint32_t>(p);
                hi_ = static_cast<uint32_t>(p >> 32);
                hilo_ready_ = cycles + config_.mult_latency;
                DISPATCH();
            }
            L_DIV: {
                const int32_t a = static_cast<int32_t>(r[d->rs]), b = static_cast<int32_t>(r[d->rt]);
                if (b == 0) {
                    // Undefined result, no trap. Value as the R3000 divider leaves it.
                    lo_ = a >= 0 ? 0xffffffffu : 1u;
                    hi_ = static_cast<uint32_t>(a);
                } else if (a == INT32_MIN && b == -1) {
                    lo_ = static_cast<uint32_t>(INT32_MIN);
                    hi_ = 0;
                } else {
                    lo_ = static_cast<uint32_t>(a / b);
                    hi_ = static_cast<uint32_t>(a % b);
                }
                hilo_ready_ = cycles + config_.div_latency;
                DISPATCH();
            }
            L_DIVU: {
                const uint32_t a = r[d->rs], b = r[d->rt];
                if (b == 0) {
                    lo_ = 0xffffffffu;
                    hi_ = a;
                } else {
                    lo_ = a / b;
                    hi_ = a % b;
                }
                hilo_ready_ = cycles + config_.div_latency;
                DISPATCH();
            }
            L_ADD: {
                int32_t res;
                if (__builtin_add_overflow(static_cast<int32_t>(r[d->rs]), static_cast<int32_t>(r[d->rt]), &res)) {
                    SLOW(fault(kExcOv));
                    DISPATCH();
                }
                r[d->dest] = static_cast<uint32_t>(res);
                DISPATCH();
            }
            L_ADDU: r[d->dest] = r[d->rs] + r[d->rt]; DISPATCH();
            L_SUB: {
                int32_t res;
                if (__builtin_sub_overflow(static_cast<int32_t>(r[d->rs]), static_cast<int32_t>(r[d->rt]), &res)) {
                    SLOW(fault(kExcOv));
                    DISPATCH();
                }
                r[d->dest] = static_cast<uint32_t>(res);
                DISPATCH();
            }
            L_SUBU: r[d->dest] = r[d->rs] - r[d->rt]; DISPATCH();
            L_AND: r[d->dest] = r[d->rs] & r[d->rt]; DISPATCH();
            L_OR: r[d->dest] = r[d->rs] | r[d->rt]; DISPATCH();
            L_XOR: r[d->dest] = r[d->rs] ^ r[d->rt]; DISPATCH();
            L_NOR: r[d->dest] = ~(r[d->rs] | r[d->rt]); DISPATCH();
            L_SLT: r[d->dest] = static_cast<int32_t>(r[d->rs]) < static_cast<int32_t>(r[d->rt]); DISPATCH();
            L_SLTU: r[d->dest] = r[d->rs] < r[d->rt]; DISPATCH();

            L_BLTZ:
                if (static_cast<int32_t>(r[d->rs]) < 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BGEZ:
                if (static_cast<int32_t>(r[d->rs]) >= 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BLTZAL: {
                const bool taken = static_cast<int32_t>(r[d->rs]) < 0;
                r[31] = cur + 8;
                if (taken) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            }
            L_BGEZAL: {
                const bool taken = static_cast<int32_t>(r[d->rs]) >= 0;
                r[31] = cur + 8;
                if (taken) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            }
            L_J: npc = ((cur + 4) & 0xf0000000u) | d->imm; nid = true; DISPATCH();
            L_JAL:
                r[31] = cur + 8;
                npc = ((cur + 4) & 0xf0000000u) | d->imm;
                nid = true;
                DISPATCH();
            L_BEQ:
                if (r[d->rs] == r[d->rt]) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BNE:
                if (r[d->rs] != r[d->rt]) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BLEZ:
                if (static_cast<int32_t>(r[d->rs]) <= 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BGTZ:
                if (static_cast<int32_t>(r[d->rs]) > 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();

            L_ADDI: {
                int32_t res;
                if (__builtin_add_overflow(static_cast<int32_t>(r[d->rs]), static_cast<int32_t>(d->imm), &res)) {
                    SLOW(fault(kExcOv));
                    DISPATCH();
                }
                r[d->dest] = static_cast<uint32_t>(res);
                DISPATCH();
            }
            L_ADDIU: r[d->dest] = r[d->rs] + d->imm; DISPATCH();
            L_SLTI: r[d->dest] = static_cast<int32_t>(r[d->rs]) < static_cast<int32_t>(d->imm); DISPATCH();
            L_SLTIU: r[d->dest] = r[d->rs] < d->imm; DISPATCH();
            L_ANDI: r[d->dest] = r[d->rs] & d->imm; DISPATCH();
            L_ORI: r[d->dest] = r[d->rs] | d->imm; DISPATCH();
            L_XORI: r[d->dest] = r[d->rs] ^ d->imm; DISPATCH();
            L_LUI: r[d->dest] = d->imm; DISPATCH();

            // CP0. Reads, and writes of registers that steer nothing the loop holds
            // (EntryLo, Index, Context), stay inline; the rest go through exec_cop0().
            // A refill handler is mostly such instructions.
            // In user mode CP0 is usable only with Status.CU0 set.
#define REQUIRE_CP0()                                     \
    if (user_mode() && !(status_ & kStatusCU0)) {         \
        SLOW(fault(kExcCpU, 0));                          \
        DISPATCH();                                       \
    }
            L_MFC0:
                REQUIRE_CP0();
                LOAD_RESULT(d->dest, read_cp0(d->sa, cycles));  // mfc0 has the load delay
                DISPATCH();
            L_MTC0:
                REQUIRE_CP0();
                if (d->sa == kCp0EntryLo || d->sa == kCp0Index || d->sa == kCp0Context)
                    write_cp0(d->sa, r[d->rt]);
                else
                    SLOW(exec_cop0(*d));
                DISPATCH();
            L_TLBR: L_TLBWI: L_TLBWR: L_TLBP:
            L_RFE:
                REQUIRE_CP0();
                SLOW(exec_cop0(*d));
                DISPATCH();
#undef REQUIRE_CP0
            L_COPz:
                // No coprocessor 1-3 is fitted: unusable (CE = its number) unless
                // enabled in Status.CU, and then reserved.
                if (status_ & (kStatusCU0 << d->sa)) SLOW(fault(kExcRI));
                else SLOW(fault(kExcCpU, d->sa));
                DISPATCH();

            // Loads: access, then the (delayed) write of the extended value.
#define LOAD_OP(size, extend)                                     \
    {                                                             \
        uint32_t v;                                               \
        if (!LOAD_MEM(r[d->rs] + d->imm, (size), v)) DISPATCH();  \
        LOAD_RESULT(d->dest, extend(v));                          \
        DISPATCH();                                               \
    }
            L_LB: LOAD_OP(1, sign_extend8)
            L_LBU: LOAD_OP(1, static_cast<uint32_t>)
            L_LH: LOAD_OP(2, sign_extend16)
            L_LHU: LOAD_OP(2, static_cast<uint32_t>)
            L_LW: LOAD_OP(4, static_cast<uint32_t>)
#undef LOAD_OP
            L_LWL: L_LWR: {
                const uint32_t va = r[d->rs] + d->imm;
                uint32_t w;
                if (!LOAD_MEM(va & ~3u, 4, w)) DISPATCH();
                // LWL/LWR merge with an in-flight load of the same register (the R3000
                // forwards it), which is what makes back-to-back lwl/lwr pairs work.
                const uint32_t old = (Exact && (dl >> 32) == d->dest) ? static_cast<uint32_t>(dl) : r[d->rt];
                const unsigned sh = (va & 3) * 8;
                uint32_t v;
                if (d->op == Op::LWL)
                    v = (old & (0x00ffffffu >> sh)) | (w << (24 - sh));
                else
                    v = (sh == 0) ? w : ((old & (0xffffffffu << (32 - sh))) | (w >> sh));
                LOAD_RESULT(d->dest, v);
                DISPATCH();
            }
            L_SB: STORE_MEM(r[d->rs] + d->imm, 1, r[d->rt]); DISPATCH();
            L_SH: STORE_MEM(r[d->rs] + d->imm, 2, r[d->rt]); DISPATCH();
            L_SW: STORE_MEM(r[d->rs] + d->imm, 4, r[d->rt]); DISPATCH();
            L_SWL: L_SWR: {
                // Little-endian partial-word stores: merge into the aligned word.
                const uint32_t va = r[d->rs] + d->imm;
                const unsigned sh = (va & 3) * 8;
                const uint32_t rt = r[d->rt];
                uint32_t bits, keep;
                if (d->op == Op::SWL) {
                    bits = rt >> (24 - sh);
                    keep = sh == 24 ? 0 : 0xffffff00u << sh;
                } else {
                    bits = rt << sh;
                    keep = sh == 0 ? 0 : 0x00ffffffu >> (24 - sh);
                }
                STORE_MERGE(va & ~3u, bits, keep);
                DISPATCH();
            }
            L_RESERVED: SLOW(fault(kExcRI)); DISPATCH();



#undef DISPATCH
#undef FETCH_AND_JUMP
#undef SAVE
#undef LOAD
#undef SLOW
#undef LOAD_RESULT
#undef LOAD_MEM
#undef STORE_MEM
#undef STORE_MERGE
}

template StopReason Cpu::run_loop<true, false>();
template StopReason Cpu::run_loop<false, false>();
template StopReason Cpu::run_loop<true, true>();
template StopReason Cpu::run_loop<false, true>();

}  // namespace vmsim::r3000
