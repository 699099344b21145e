// The Pentium timing model: the rules, each with its source (tags of ../shared/reference/i386.md
// section 3; "estimate" where there is none). See pentium_timing.hpp for the model as a whole.
#include "models/x86_64/pentium_timing.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "models/x86_64/iss.hpp"

namespace vmsim::x86::iss {
namespace {

using Shape = PentiumTiming::Shape;
constexpr uint16_t kF = PentiumTiming::kFlagsBit;
constexpr uint8_t kU = PentiumTiming::kPairU, kV = PentiumTiming::kPairV, kUV = kU | kV;

uint16_t bit(unsigned r) { return static_cast<uint16_t>(1u << r); }
// A register operand of `size` bytes: AH..BH (size 1, numbers 4-7) are parts of EAX..EBX, and the
// P5 tracks dependences by the whole register.
uint16_t reg_bit(unsigned size, unsigned r) { return bit(size == 1 && r >= 4 ? r - 4 : r); }

bool is_string(Op op) { return op == Op::Movs || op == Op::Stos || op == Op::Lods || op == Op::Cmps || op == Op::Scas; }

// Push/pop pairing exception [S11]: two pushes or two pops pair despite ESP.
uint8_t stack_kind(const Insn& in) {
    if (in.op == Op::Push || in.op == Op::PushImm) return 1;
    if (in.op == Op::Pop && !in.memory()) return 2;
    return 0;
}

uint32_t ceil_clocks(double bus_clocks, double ratio) { return static_cast<uint32_t>(std::ceil(bus_clocks * ratio - 1e-9)); }

}  // namespace

const char* system_event_name(SystemEvent e) {
    static constexpr const char* kNames[kSystemEvents] = {
        "int_same", "int_inner", "exception_same", "exception_inner", "iret_same", "iret_outer", "mov_cr3",
        "mov_cr0", "mov_cr_other", "mov_from_cr", "invlpg", "cpuid", "rdtsc", "cli_sti", "lgdt_lidt", "ltr",
        "in", "out", "hlt"};
    return kNames[static_cast<unsigned>(e)];
}

// Messages name the parameters the platform binds these fields to (sim/platform/x86/target.cpp).
std::string PentiumTimingConfig::check() const {
    if (!(bus_ratio >= 1 && bus_ratio <= 16)) return "bus.ratio must be 1 to 16, got " + std::to_string(bus_ratio);
    if (write_buffers < 1 || write_buffers > 4)
        return "cpu.write_buffers must be 1 to 4, got " + std::to_string(write_buffers);
    if (btb_ways == 0 || btb_entries == 0 || btb_entries % btb_ways != 0)
        return "btb.entries (" + std::to_string(btb_entries) + ") must be a nonzero multiple of btb.ways (" +
               std::to_string(btb_ways) + ")";
    const uint32_t sets = btb_entries / btb_ways;
    if (sets & (sets - 1)) return "btb.entries / btb.ways must be a power of two, got " + std::to_string(sets);
    if (icache_ways == 0 || icache_size == 0) return "l1i.size and l1i.ways must be nonzero";
    return {};
}

// ---- what an instruction is to the pipe ---------------------------------------------------------

// Clock counts are the Pentium column of [S9] (MAME's cycle table) unless tagged otherwise. "Simple"
// instructions (the pairable ones) are 1 clock, ALU reg,mem 2 and ALU mem,reg (read-modify-write) 3
// [S12][S10]. Pairing classes are [S11]'s list; ADC/SBB only in U is Schmit's rule 3 (the
// emboss.co.nz copy of [S11]'s rules).
PentiumTiming::Shape PentiumTiming::shape(const Insn& in) {
    Shape s;
    const bool mem = in.memory();
    const unsigned size = in.size;
    uint16_t addr = 0;
    if (mem) {
        if (in.base != kNoReg) addr |= bit(in.base);
        if (in.index != kNoReg) addr |= bit(in.index);
    }
    const uint16_t rm = mem ? 0 : reg_bit(size, in.rm);
    const uint16_t reg = reg_bit(size, in.reg);
    const uint16_t esp = bit(kEsp), eax = bit(kEax), ecx = bit(kEcx), edx = bit(kEdx);
    uint16_t r = 0, w = 0;
    uint16_t clocks = 1;
    uint8_t pipes = 0;
    bool has_imm = false;  // an immediate operand, for the displacement-and-immediate rule
    switch (in.op) {
    case Op::Ud: clocks = 0; break;  // #UD: the exception's delivery is charged as a system event
    case Op::AluRmReg:
    case Op::AluRmImm: {
        const bool cmp = in.sub == 7, carry = in.sub == 2 || in.sub == 3;
        r = rm | (in.op == Op::AluRmReg ? reg : 0) | (carry ? kF : 0);
        w = (cmp ? 0 : rm) | kF;
        clocks = !mem ? 1 : cmp ? 2 : 3;
        pipes = carry ? kU : kUV;
        has_imm = in.op == Op::AluRmImm;
        break;
    }
    case Op::AluRegRm: {
        const bool cmp = in.sub == 7, carry = in.sub == 2 || in.sub == 3;
        r = rm | reg | (carry ? kF : 0);
        w = (cmp ? 0 : reg) | kF;
        clocks = mem ? 2 : 1;
        pipes = carry ? kU : kUV;
        break;
    }
    case Op::TestRmReg:
    case Op::TestRmImm:
        r = rm | (in.op == Op::TestRmReg ? reg : 0);
        w = kF;
        clocks = mem ? 2 : 1;
        pipes = kUV;
        has_imm = in.op == Op::TestRmImm;
        break;
    case Op::Inc:
    case Op::Dec:
        r = rm;
        w = rm | kF;
        clocks = mem ? 3 : 1;
        pipes = kUV;
        break;
    case Op::Not:
    case Op::Neg:  // not in [S11]'s list: not pairable; clocks as other one-operand ALU forms (estimate)
        r = rm;
        w = rm | (in.op == Op::Neg ? kF : 0);
        clocks = mem ? 3 : 1;
        break;
    case Op::Mul:
    case Op::Imul1:  // 10 for r32 [S9]; other sizes taken as the same (estimate)
        r = rm | eax;
        w = eax | (size > 1 ? edx : 0) | kF;
        clocks = 10;
        break;
    case Op::Div:
    case Op::Idiv:  // DIV r8/r16/r32 17/25/41, IDIV 22/30/46 [S9]
        r = rm | eax | (size > 1 ? edx : 0);
        w = eax | (size > 1 ? edx : 0) | kF;
        clocks = in.op == Op::Div ? (size == 1 ? 17 : size == 2 ? 25 : 41) : (size == 1 ? 22 : size == 2 ? 30 : 46);
        break;
    case Op::ImulRegRm:
    case Op::ImulRegRmImm:  // 10 [S9]
        r = rm | (in.op == Op::ImulRegRm ? reg : 0);
        w = reg | kF;
        clocks = 10;
        break;
    case Op::ShiftImm:
    case Op::ShiftCl: {
        const bool rotate = in.sub < 4, through_carry = in.sub == 2 || in.sub == 3;
        r = rm | (in.op == Op::ShiftCl ? ecx : 0) | (through_carry ? kF : 0);
        w = rm | kF;
        if (in.op == Op::ShiftCl) {
            clocks = 4;  // estimate (not in the sheet's table)
        } else if (through_carry && in.imm != 1) {
            clocks = 8;  // RCL/RCR by more than 1: estimate
        } else {
            clocks = mem ? 3 : 1;
            // Shift by 1 or by an immediate, rotate by 1: U pipe only [S11].
            if (!rotate || in.imm == 1) pipes = kU;
            has_imm = in.imm != 1;  // D0/D1 (by 1) carry no immediate byte
        }
        break;
    }
    case Op::ShldImm:
    case Op::ShldCl:
    case Op::ShrdImm:
    case Op::ShrdCl:  // 4 [S9] (memory and CL forms taken as the same: estimate)
        r = rm | reg | (in.op == Op::ShldCl || in.op == Op::ShrdCl ? ecx : 0);
        w = rm | kF;
        clocks = 4;
        break;
    case Op::MovRmReg:
        r = reg;
        w = rm;
        pipes = kUV;
        break;
    case Op::MovRegRm:
        r = rm;
        w = reg;
        pipes = kUV;
        break;
    case Op::MovRmImm:
        w = rm;
        pipes = kUV;
        has_imm = true;
        break;
    case Op::Movzx:
    case Op::Movsx:  // 3 [S9]
        r = mem ? 0 : reg_bit(in.sub, in.rm);
        w = reg;
        clocks = 3;
        break;
    case Op::Lea:
        w = reg;
        pipes = kUV;
        break;
    case Op::Xchg:  // XCHG r,r 3 [S9]; with memory the same (estimate)
        r = w = rm | reg;
        clocks = 3;
        break;
    case Op::Nop:
        pipes = kUV;
        break;
    case Op::Push:  // push reg 1, push mem 2 (estimate), pairable [S11]
        r = rm | esp;
        w = esp;
        clocks = mem ? 2 : 1;
        pipes = kUV;
        addr |= esp;
        break;
    case Op::PushImm:
        r = w = esp;
        pipes = kUV;
        has_imm = true;
        addr |= esp;
        break;
    case Op::Pop:  // pop reg 1 pairable [S11]; pop mem 3, not pairable (estimate)
        r = esp;
        w = esp | rm;
        clocks = mem ? 3 : 1;
        pipes = mem ? 0 : kUV;
        addr |= esp;
        break;
    case Op::Pusha:
    case Op::Popa:  // 5 [S9]
        r = in.op == Op::Pusha ? 0xff : esp;
        w = in.op == Op::Pusha ? esp : 0xff;
        clocks = 5;
        addr |= esp;
        break;
    case Op::Pushf:  // 3 [S10]
        r = esp | kF;
        w = esp;
        clocks = 3;
        addr |= esp;
        break;
    case Op::Popf:  // 4 [S10]
        r = esp;
        w = esp | kF;
        clocks = 4;
        addr |= esp;
        break;
    case Op::Sahf:  // 2: estimate
        r = eax;
        w = kF;
        clocks = 2;
        break;
    case Op::Lahf:  // 2: estimate
        r = kF | eax;
        w = eax;
        clocks = 2;
        break;
    case Op::CallRel:  // CALL 1 [S9], pairs in V [S11]
        r = w = esp;
        pipes = kV;
        s.branch = true;
        addr |= esp;
        break;
    case Op::CallRm:  // CALL r/m 2 [S9]
        r = rm | esp;
        w = esp;
        clocks = 2;
        s.branch = true;
        addr |= esp;
        break;
    case Op::Ret:  // RET 2 [S9]; RET imm16 3 (estimate)
        r = w = esp;
        clocks = in.imm ? 3 : 2;
        s.branch = true;
        addr |= esp;
        break;
    case Op::JmpRel:  // 1, pairs in V [S11]
        pipes = kV;
        s.branch = true;
        break;
    case Op::JmpRm:  // 2: estimate (as CALL r/m)
        r = rm;
        clocks = 2;
        s.branch = true;
        break;
    case Op::Jcc:  // 1, pairs in V [S11]
        r = kF;
        pipes = kV;
        s.branch = true;
        break;
    case Op::Setcc:  // 2 [S9]
        r = kF;
        w = mem ? 0 : reg_bit(1, in.rm);
        clocks = 2;
        break;
    case Op::Loop:
    case Op::Loope:
    case Op::Loopne:  // 5 (LOOPE/LOOPNE 7): estimate
        r = ecx | (in.op == Op::Loop ? 0 : kF);
        w = ecx;
        clocks = in.op == Op::Loop ? 5 : 7;
        s.branch = true;
        break;
    case Op::Jecxz:  // 5: estimate
        r = ecx;
        clocks = 5;
        s.branch = true;
        break;
    case Op::Cwde:  // 3: estimate
        r = w = eax;
        clocks = 3;
        break;
    case Op::Cdq:  // 2: estimate
        r = eax;
        w = edx;
        clocks = 2;
        break;
    case Op::BtReg:
    case Op::BtImm:  // BT r,imm 4 [S9]; BTS/BTR/BTC 7, BT with a register offset into memory 9: estimates
        r = rm | (in.op == Op::BtReg ? reg : 0);
        w = (in.sub != 0 ? rm : 0) | kF;
        clocks = in.op == Op::BtReg && mem ? 9 : in.sub != 0 ? 7 : 4;
        break;
    case Op::Bsf:
    case Op::Bsr:  // BSF 6+, BSR 7+ [S9]: the data-dependent part is not modelled
        r = rm;
        w = reg | kF;
        clocks = in.op == Op::Bsf ? 6 : 7;
        break;
    case Op::Bswap:  // 1: estimate
        r = w = bit(in.rm);
        break;
    case Op::Cmpxchg:  // 6: estimate
        r = w = rm | reg | eax;
        w |= kF;
        clocks = 6;
        break;
    case Op::Xadd:  // 3: estimate
        r = w = rm | reg;
        w |= kF;
        clocks = 3;
        break;
    case Op::Cmpxchg8b:  // 10 [S9]
        r = eax | edx | bit(kEbx) | ecx;
        w = eax | edx | kF;
        clocks = 10;
        break;
    case Op::Movs:
    case Op::Stos:
    case Op::Lods:
    case Op::Cmps:
    case Op::Scas: {
        // Without REP: MOVS 4, STOS 3, LODS 2, CMPS 5, SCAS 4; with REP, a start-up plus clocks per
        // iteration: MOVS 10+n, STOS 9+n, LODS 7+3n, CMPS 9+4n, SCAS 9+4n. Not in the sheet: the
        // figures commonly quoted for the P5, estimates.
        struct StringCost {
            uint8_t once, rep, per, refs;
        };
        static constexpr StringCost kCost[] = {{4, 10, 1, 2}, {3, 9, 1, 1}, {2, 7, 3, 1}, {5, 9, 4, 2}, {4, 9, 4, 1}};
        const StringCost& c = kCost[in.op == Op::Movs ? 0 : in.op == Op::Stos ? 1 : in.op == Op::Lods ? 2 : in.op == Op::Cmps ? 3 : 4];
        const uint16_t esi = bit(kEsi), edi = bit(kEdi);
        const bool reads_si = in.op == Op::Movs || in.op == Op::Lods || in.op == Op::Cmps;
        const bool uses_di = in.op != Op::Lods;
        r = kF | (reads_si ? esi : 0) | (uses_di ? edi : 0) | (in.op == Op::Stos || in.op == Op::Scas ? eax : 0);
        w = (reads_si ? esi : 0) | (uses_di ? edi : 0) | (in.op == Op::Lods ? eax : 0) |
            (in.op == Op::Cmps || in.op == Op::Scas ? kF : 0);
        addr |= (reads_si ? esi : 0) | (uses_di ? edi : 0);
        if (in.prefix & (kRep | kRepne)) {
            r |= ecx;
            w |= ecx;
            clocks = c.rep;
            s.per_iteration = c.per;
            s.refs_per_iteration = c.refs;
        } else {
            clocks = c.once;
        }
        s.stores_only = true;  // MOVS and STOS write without reading; the others do not write
        break;
    }
    case Op::Enter:  // 11 at level 0 [S9]; 15 + 2 per level above (estimate)
        r = w = esp | bit(kEbp);
        clocks = in.sub == 0 ? 11 : 15 + 2 * in.sub;
        addr |= esp;
        break;
    case Op::Leave:  // 3 [S9]
        r = bit(kEbp);
        w = esp | bit(kEbp);
        clocks = 3;
        addr |= bit(kEbp);
        break;
    case Op::Hlt:
    case Op::Cli:
    case Op::Sti:
    case Op::Cpuid:
    case Op::Rdtsc:
    case Op::Lgdt:
    case Op::Lidt:
    case Op::Ltr:
    case Op::In:
    case Op::Out:
    case Op::Invlpg:
    case Op::MovFromCr:
    case Op::MovToCr:  // SystemCosts, charged by retire()
    case Op::Int:
    case Op::Int3:
    case Op::Into:
    case Op::Iret:  // SystemCosts, charged by the ISS when it delivers or returns (it knows the privileges)
        clocks = 0;
        break;
    case Op::Clc:
    case Op::Stc:
    case Op::Cmc:
    case Op::Cld:
    case Op::Std:  // 2: estimate
        r = in.op == Op::Cmc ? kF : 0;
        w = kF;
        clocks = 2;
        break;
    default:  // Ops added to the ISS later: not pairable, 1 clock until given a row here, or clocks = 0
        break;   // and a SystemEvent in retire() for the system instructions (SystemCosts)
    }
    // Pure stores: their Write references do not read the line (no write-allocate applies).
    switch (in.op) {
    case Op::MovRmReg:
    case Op::MovRmImm:
    case Op::Setcc:
    case Op::Push:
    case Op::PushImm:
    case Op::Pop:
    case Op::Pusha:
    case Op::Pushf:
    case Op::CallRel:
    case Op::CallRm:
    case Op::Enter: s.stores_only = true; break;
    default: break;
    }

    // Prefixes: +1 clock each [S12] (REP of a string instruction is in its own figures); a prefixed
    // instruction pairs only in U [S11] (the 0F of Jcc is no prefix in an Insn).
    unsigned prefixes = ((in.prefix & kLock) ? 1 : 0) + ((in.prefix & kOpsize) ? 1 : 0) + (in.seg != kNoSeg ? 1 : 0);
    if ((in.prefix & (kRep | kRepne)) && !is_string(in.op)) ++prefixes;
    if (prefixes) pipes &= kU;
    // Neither instruction of a pair may have both a displacement and an immediate [S11]. (A zero
    // displacement is taken as none: the Insn keeps the value, not whether a byte encoded it.)
    if (has_imm && mem && (in.disp != 0 || in.base == kNoReg)) pipes = 0;

    switch (in.op) {
    case Op::Push:
    case Op::PushImm:
    case Op::Pop:
    case Op::Pusha:
    case Op::Popa:
    case Op::Pushf:
    case Op::Popf:
    case Op::CallRel:
    case Op::CallRm:
    case Op::Ret: s.stack = true; break;
    default: break;
    }

    s.reads = r | addr;
    s.writes = w;
    s.address = addr;
    s.clocks = clocks;
    s.pipes = pipes;
    s.prefixes = static_cast<uint8_t>(prefixes);
    return s;
}

// ---- the model ----------------------------------------------------------------------------------

static_assert(sizeof(Insn) == 20 && std::is_trivially_copyable_v<Insn>, "shape_of compares an Insn as 20 bytes");

const PentiumTiming::Shape& PentiumTiming::shape_of(const Insn& in) {
    uint64_t a, b;
    uint32_t c;
    std::memcpy(&a, &in, 8);
    std::memcpy(&b, reinterpret_cast<const char*>(&in) + 8, 8);
    std::memcpy(&c, reinterpret_cast<const char*>(&in) + 16, 4);
    const uint64_t h = (a * 0x9e3779b97f4a7c15u) ^ (b * 0xc2b2ae3d27d4eb4fu) ^ (c * 0x165667b19e3779f9u);
    ShapeSlot& slot = shapes_[h >> (64 - kShapeSlotBits)];
    if (std::memcmp(&slot.in, &in, sizeof(Insn)) != 0) {
        slot.in = in;
        slot.shape = shape(in);
    }
    return slot.shape;
}

namespace {
const PentiumTimingConfig& checked(const PentiumTimingConfig& c) {
    if (std::string problem = c.check(); !problem.empty()) throw std::invalid_argument(problem);
    return c;
}
common::SetAssocConfig icache_config(const PentiumTimingConfig& c, uint32_t line) {
    common::SetAssocConfig s;
    s.ways = c.icache_ways;
    s.sets = c.icache_size / (line * c.icache_ways);
    s.block_bytes = line;
    return s;
}
common::SetAssocConfig btb_config(const PentiumTimingConfig& c) {
    common::SetAssocConfig s;
    s.ways = c.btb_ways;
    s.sets = c.btb_entries / c.btb_ways;
    return s;
}
}  // namespace

PentiumTiming::PentiumTiming(const PentiumTimingConfig& config, common::CacheHierarchy& data_caches)
    : config_(checked(config)),
      caches_(data_caches),
      icache_(icache_config(config, data_caches.config().line)),
      btb_(btb_config(config)),
      l2_fill_(ceil_clocks(config.l2_fill_bus_clocks, config.bus_ratio)),
      memory_fill_(ceil_clocks(config.memory_fill_bus_clocks, config.bus_ratio)),
      write_drain_(ceil_clocks(config.write_bus_clocks, config.bus_ratio)),
      shapes_(size_t{1} << kShapeSlotBits, ShapeSlot{Insn{}, shape(Insn{})}) {
    line_shift_ = 0;
    while ((uint32_t{1} << line_shift_) < data_caches.config().line) ++line_shift_;
}

void PentiumTiming::flush_refs() {
    for (unsigned i = 0; i < nrefs_; ++i) reference(refs_[i], refs_[i].write);
    nrefs_ = 0;
}

void PentiumTiming::reference(const Ref& ref, bool store) {
    if (first_data_pa_ == ~uint64_t{0}) first_data_pa_ = ref.pa;
    using common::CacheLevel;
    if (!store) {
        const common::CacheHierarchy::Access a = caches_.access(ref.pa);
        if (a.level == CacheLevel::L1) {
            ++stats_.dcache_load_hits;
        } else {
            ++stats_.dcache_load_misses;
            charge(&PentiumCycles::dcache, fill_cycles(a.level));
        }
        return;
    }
    if (caches_.contains(CacheLevel::L1, ref.pa)) {
        caches_.access(ref.pa);
        ++stats_.dcache_store_hits;
        return;
    }
    // A store miss: no line is allocated; it waits for a write buffer if all are busy, and the
    // buffers drain one write at a time over the bus.
    ++stats_.dcache_store_misses;
    const unsigned n = config_.write_buffers;
    uint64_t now = total_;
    unsigned oldest = 0;
    uint64_t latest = write_done_[0];
    for (unsigned i = 1; i < n; ++i) {
        if (write_done_[i] < write_done_[oldest]) oldest = i;
        latest = std::max(latest, write_done_[i]);
    }
    if (write_done_[oldest] > now) {
        ++stats_.write_buffer_stalls;
        charge(&PentiumCycles::write_buffer, write_done_[oldest] - now);
        now = write_done_[oldest];
    }
    write_done_[oldest] = std::max(now, latest) + write_drain_;
}

uint32_t PentiumTiming::icache(const Insn& in) {
    if (nfetch_ == 0) return 0;
    uint32_t fill = 0;
    // The instruction's bytes: [pa0, pa0 + n0) and, when it crosses a page, [pa1, pa1 + len - n0).
    const unsigned in_page = 0x1000 - (fetch_la_ & 0xfff);
    const unsigned n0 = nfetch_ == 2 ? in_page : in.len;
    const uint64_t parts[2][2] = {{fetch_pa_[0], n0}, {fetch_pa_[1], static_cast<uint64_t>(in.len - n0)}};
    for (unsigned p = 0; p < nfetch_; ++p) {
        if (parts[p][1] == 0) continue;
        const uint64_t first = parts[p][0] >> line_shift_, last = (parts[p][0] + parts[p][1] - 1) >> line_shift_;
        for (uint64_t line = first; line <= last; ++line) {
            if (line == last_iline_) continue;  // still in the line the fetch stream is reading
            last_iline_ = line;
            if (icache_.access(line)) {
                ++stats_.icache_hits;
                continue;
            }
            ++stats_.icache_misses;
            fill += fill_cycles(caches_.access_from(common::CacheLevel::L2, line << line_shift_).level);
        }
    }
    return fill;
}

// The BTB [S14]: looked up by the branch's EIP; a branch it does not hold is predicted not taken; an
// entry predicts taken in states 2 and 3 of its 2-bit counter, to the target it last saw. A branch
// enters on its first taken execution, in state 3 (estimate).
uint64_t PentiumTiming::branch(const Insn& in, uint32_t eip, uint32_t next, bool in_v) {
    ++stats_.branches;
    const bool taken = next != eip + in.len;
    if (taken) ++stats_.taken;
    Counter* c = btb_.lookup(eip);
    const bool predicted = c && c->state >= 2;
    const bool correct = predicted == taken && (!taken || c->target == next);
    if (c) {
        if (taken) {
            c->state = static_cast<uint8_t>(std::min(3, c->state + 1));
            c->target = next;
        } else if (c->state > 0) {
            --c->state;
        }
    } else if (taken) {
        btb_.fill(eip, Counter{next, 3});
    }
    if (correct) return 0;
    ++stats_.mispredicts;
    return in_v ? config_.mispredict_v : config_.mispredict_u;
}

void PentiumTiming::retire(const Insn& in, uint32_t eip, uint32_t next) { retire(in, shape_of(in), eip, next); }

void PentiumTiming::retire(const Insn& in, const Shape& s, uint32_t eip, uint32_t next) {
    ++stats_.instructions;
    // The fetch stream still in the line it was reading: no lookup (the common case, inline).
    uint32_t ifill = 0;
    if (nfetch_ != 1 || (fetch_pa_[0] >> line_shift_) != last_iline_ ||
        ((fetch_pa_[0] + in.len - 1) >> line_shift_) != last_iline_) {
        ifill = icache(in);
        charge(&PentiumCycles::icache, ifill);
    }

    // Its data references, now that the instruction says which Write references are stores: all of a
    // pure store's; of a read-modify-write's, the second to an address (the first is the read,
    // translated for writing).
    first_data_pa_ = ~uint64_t{0};
    for (unsigned i = 0; i < nrefs_; ++i) {
        bool store = refs_[i].write && s.stores_only;
        for (unsigned j = 0; j < i && refs_[i].write && !store; ++j) store = refs_[j].pa == refs_[i].pa;
        reference(refs_[i], store);
    }
    nrefs_ = 0;
    nfetch_ = 0;

    uint32_t clocks = s.clocks;
    if (s.per_iteration && s.refs_per_iteration) clocks += s.per_iteration * (refs_total_ / s.refs_per_iteration);

    // V beside the open U instruction [S11]: both simple, no RAW/WAW register dependence except
    // the flags a Jcc reads from the U instruction (Intel: "compare and branch"; the same holds for
    // any flag-writing ALU op, e.g. DEC/JNZ: Schmit's rule 9) and ESP between two pushes or two
    // pops. Two writes of the flags are no dependence (two ALU ops pair). An instruction whose
    // fetch missed the I-cache was not there to pair.
    // The ESP updates of pushes, pops, calls and returns cause no AGI (the P5 adjusts ESP for them
    // in the address stage; commonly stated, not in the sheet: estimate). Other writes of ESP do.
    const uint16_t agi_writes = s.writes & static_cast<uint16_t>(s.stack ? ~bit(kEsp) : 0xffff);
    bool v = u_open_ && (s.pipes & kV) && ifill == 0;
    if (v) {
        uint16_t dep = (s.reads & u_writes_) | (s.writes & u_writes_ & ~kF);
        if (in.op == Op::Jcc && u_flags_) dep &= static_cast<uint16_t>(~kF);
        const uint8_t kind = stack_kind(in);
        if (kind && kind == u_kind_) dep &= static_cast<uint16_t>(~bit(kEsp));
        v = dep == 0;
    }
    if (v) {
        ++stats_.pairs;
        charge(&PentiumCycles::issue, clocks > u_clocks_ ? clocks - u_clocks_ : 0);
        u_open_ = false;
        u_writes_ |= s.writes;
        u_agi_ |= agi_writes;
        // Both pipes' references in one clock: the same bank (4-byte interleave, 8 banks [S15]) but
        // another word costs the V reference a clock (estimate).
        if (first_data_pa_ != ~uint64_t{0} && u_data_pa_ != ~uint64_t{0} &&
            ((first_data_pa_ >> 2) & 7) == ((u_data_pa_ >> 2) & 7) && (first_data_pa_ >> 2) != (u_data_pa_ >> 2)) {
            ++stats_.bank_conflicts;
            charge(&PentiumCycles::bank, 1);
        }
    } else {
        prev_agi_ = u_agi_;
        u_agi_ = agi_writes;
        u_writes_ = s.writes;
        charge(&PentiumCycles::issue, clocks);
        charge(&PentiumCycles::prefix, s.prefixes);
        u_open_ = (s.pipes & kU) != 0;
        u_clocks_ = static_cast<uint16_t>(std::min<uint32_t>(clocks, 0xffff));
        u_kind_ = stack_kind(in);
        u_flags_ = (s.writes & kF) != 0;
        u_data_pa_ = first_data_pa_;
    }
    // AGI [S13]: a register the address needs was written in the clock before this one's.
    if (s.address & prev_agi_) {
        ++stats_.agi_stalls;
        charge(&PentiumCycles::agi, 1);
    }
    if (s.branch) {
        charge(&PentiumCycles::mispredict, branch(in, eip, next, v));
        u_open_ = false;  // a branch is never followed by its partner [S11]
    }
    // System instructions cost their SystemCosts entry. (INT n, IRET and exception delivery depend
    // on the privilege change, which the ISS knows: it reports those itself.)
    switch (in.op) {
    case Op::Hlt: system_event(SystemEvent::Hlt); break;
    case Op::Cli:
    case Op::Sti: system_event(SystemEvent::CliSti); break;
    case Op::Cpuid: system_event(SystemEvent::Cpuid); break;
    case Op::Rdtsc: system_event(SystemEvent::Rdtsc); break;
    case Op::Lgdt:
    case Op::Lidt: system_event(SystemEvent::LgdtLidt); break;
    case Op::Ltr: system_event(SystemEvent::Ltr); break;
    case Op::In: system_event(SystemEvent::In); break;
    case Op::Out: system_event(SystemEvent::Out); break;
    case Op::Invlpg: system_event(SystemEvent::Invlpg); break;
    case Op::MovFromCr: system_event(SystemEvent::MovFromCr); break;
    case Op::MovToCr:  // ModRM.reg names the control register
        system_event(in.reg == 3 ? SystemEvent::MovCr3 : in.reg == 0 ? SystemEvent::MovCr0 : SystemEvent::MovCrOther);
        break;
    default: break;
    }
}

void PentiumTiming::system_event(SystemEvent e) {
    static constexpr uint32_t SystemCosts::*kCost[kSystemEvents] = {
        &SystemCosts::int_same,    &SystemCosts::int_inner,    &SystemCosts::exception_same,
        &SystemCosts::exception_inner, &SystemCosts::iret_same, &SystemCosts::iret_outer,
        &SystemCosts::mov_cr3,     &SystemCosts::mov_cr0,      &SystemCosts::mov_cr_other,
        &SystemCosts::mov_from_cr, &SystemCosts::invlpg,       &SystemCosts::cpuid,
        &SystemCosts::rdtsc,       &SystemCosts::cli_sti,      &SystemCosts::lgdt_lidt,
        &SystemCosts::ltr,         &SystemCosts::in,           &SystemCosts::out,
        &SystemCosts::hlt};
    const unsigned i = static_cast<unsigned>(e);
    ++stats_.system_events[i];
    charge(&PentiumCycles::system, config_.system.*kCost[i]);
    // Serialising: nothing pairs across it, and no register write before it delays an address after it.
    u_open_ = false;
    u_writes_ = u_agi_ = prev_agi_ = 0;
}

common::StatList PentiumStats::list() const {
    common::StatList out = {
        {"instructions", "instructions the timing model retired", instructions},
        {"cycles", "core clocks: the sum of cycles.*", cycles.total()},
        {"pairs", "instructions issued in the V pipe beside a U instruction (the pair takes one issue)", pairs},
        {"agi_stalls", "address-generation interlocks: an address register written in the clock before", agi_stalls},
        {"bank_conflicts", "paired data references to the same D-cache bank, different words", bank_conflicts},
        {"branches", "near branches retired (jmp, call, ret, jcc, loop, jecxz)", branches},
        {"branches_taken", "branches that were taken", taken},
        {"mispredicts", "branches the BTB predicted wrong (direction, or target of a taken branch)", mispredicts},
        {"icache.hits", "I-cache lookups that hit (one per line the fetch stream enters)", icache_hits},
        {"icache.misses", "I-cache lookups that missed and filled a line", icache_misses},
        {"dcache.load_hits", "loads (and reads of read-modify-writes) that hit the L1D", dcache_load_hits},
        {"dcache.load_misses", "loads that missed the L1D and waited for a line fill", dcache_load_misses},
        {"dcache.store_hits", "stores that hit the L1D", dcache_store_hits},
        {"dcache.store_misses", "stores that missed the L1D (no write-allocate: to a write buffer)", dcache_store_misses},
        {"write_buffer_stalls", "store misses that found every write buffer busy", write_buffer_stalls},
    };
    for (const PentiumCause& c : kPentiumCauses)
        out.push_back({std::string("cycles.") + c.name, c.description, cycles.*c.member});
    for (unsigned i = 0; i < kSystemEvents; ++i)
        out.push_back({std::string("system.") + system_event_name(static_cast<SystemEvent>(i)),
                       std::string("system events of this kind (SystemCosts::") +
                           system_event_name(static_cast<SystemEvent>(i)) + ")",
                       system_events[i]});
    return out;
}

}  // namespace vmsim::x86::iss
