// The executor. Semantics are the Intel SDM's (Vol. 2, one entry per instruction); where the SDM
// leaves a flag or a result undefined we do what Unicorn 2.0.1 (QEMU's TCG) does, so that the
// differential test compares every flag, and say so at the place (README.md lists them):
//  - AND/OR/XOR/TEST, shifts, MUL/IMUL, BSF/BSR: AF = 0.
//  - Shifts by more than 1: OF = MSB(result) XOR MSB(the value before the last one-bit step);
//    rotates by more than 1: OF as for a count of 1, from the result (ROL/ROR) or from
//    MSB(source XOR result) (RCL/RCR).
//  - MUL/IMUL: SF, ZF and PF from the low half of the result (the destination for 2/3-operand IMUL).
//  - BSF/BSR: CF = OF = 0, SF and PF from the source (as if the source were ANDed with itself);
//    a zero source leaves the destination unchanged (as Intel and AMD CPUs do).
//  - BT/BTS/BTR/BTC: only CF changes. (Unicorn's OF, SF, AF and PF depend on the previous
//    instruction; the differential test does not compare them after a BT*.)
//  - DIV/IDIV: no flag changes.
//  - SHLD/SHRD of 16-bit operands by more than 16: the result is undefined; ours shifts through the
//    32-bit concatenation dst:src and is not compared with Unicorn.
#include "models/x86_64/iss.hpp"

#ifdef VMSIM_ISS_TIMED
#include "models/x86_64/pentium_timing.hpp"
#endif

#include <cstring>
#include <type_traits>

namespace vmsim::x86::iss {
namespace {

uint32_t mask_of(unsigned size) { return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1; }
uint32_t sign_of(unsigned size) { return 1u << (8 * size - 1); }
uint32_t sext(unsigned size, uint32_t v) {
    return size == 1 ? static_cast<uint32_t>(static_cast<int8_t>(v))
         : size == 2 ? static_cast<uint32_t>(static_cast<int16_t>(v))
                     : v;
}
bool parity_even(uint32_t v) { return !__builtin_parity(v & 0xff); }
int64_t signed_product(unsigned size, uint32_t a, uint32_t b) {
    return int64_t{static_cast<int32_t>(sext(size, a))} * static_cast<int32_t>(sext(size, b));
}
// Whether a signed product does not fit its low `size` bytes (IMUL's CF and OF).
bool imul_overflows(unsigned size, int64_t p) {
    return static_cast<int64_t>(static_cast<int32_t>(sext(size, static_cast<uint32_t>(p)))) != p;
}

}  // namespace

template <typename Memory>
void Cpu<Memory>::set_szp(unsigned size, uint32_t result, uint32_t keep_mask) {
    result &= mask_of(size);
    if (!(keep_mask & kArithFlags)) lazy_.pending = false;  // every arithmetic flag is rewritten
    uint32_t f = fl() & keep_mask;
    if (result == 0) f |= kZf;
    if (result & sign_of(size)) f |= kSf;
    if (parity_even(result)) f |= kPf;
    fl() = f;
}

// MUL/IMUL: CF = OF = the product did not fit; SF, ZF, PF from the low half, AF = 0 (Unicorn).
template <typename Memory>
void Cpu<Memory>::set_mul_flags(unsigned size, uint32_t lo, bool overflow) {
    set_szp(size, lo, ~kArithFlags);
    fl() |= overflow ? (kCf | kOf) : 0;
}

// ALU operations in ModRM.reg order of group 1: add or adc sbb and sub xor cmp. The result now;
// the flags when something reads them (alu_flags(), from the operands kept in lazy_).
template <typename Memory>
[[gnu::always_inline]] inline uint32_t Cpu<Memory>::alu(unsigned op, unsigned size, uint32_t a, uint32_t b) {
    const uint32_t m = mask_of(size);
    a &= m;
    b &= m;
    const uint32_t c = (op == 2 || op == 3) ? carry() : 0;
    uint32_t r = 0;
    switch (op) {
    case 0:
    case 2: r = a + b + c; break;
    case 3:
    case 5:
    case 7: r = a - b - c; break;
    case 1: r = a | b; break;
    case 4: r = a & b; break;
    case 6: r = a ^ b; break;
    }
    r &= m;
    lazy_ = Lazy{a, b, r, static_cast<uint8_t>(op), static_cast<uint8_t>(size), static_cast<uint8_t>(c), 0xff, true};
    return r;
}

// The arithmetic flags of the pending ALU operation: CF OF AF by the operation, SF ZF PF from the
// result; INC and DEC keep the CF they found.
template <typename Memory>
uint32_t Cpu<Memory>::alu_flags() const {
    const Lazy& l = lazy_;
    const uint32_t s = sign_of(l.size), a = l.a, b = l.b, r = l.r;
    uint32_t f = 0;
    switch (l.op) {
    case 0:
    case 2:
        f |= ((uint64_t{a} + b + l.carry) >> (8 * l.size)) & 1 ? kCf : 0;
        f |= ((a ^ r) & (b ^ r) & s) ? kOf : 0;
        f |= (a ^ b ^ r) & kAf;
        break;
    case 3:
    case 5:
    case 7:
        f |= uint64_t{a} < uint64_t{b} + l.carry ? kCf : 0;
        f |= ((a ^ b) & (a ^ r) & s) ? kOf : 0;
        f |= (a ^ b ^ r) & kAf;
        break;
    default: break;  // logic: CF = OF = AF = 0
    }
    if (l.kept_cf != 0xff) f = (f & ~kCf) | l.kept_cf;
    if (r == 0) f |= kZf;
    if (r & s) f |= kSf;
    if (parity_even(r)) f |= kPf;
    return f;
}

// CF without settling the other flags (ADC/SBB's carry in, INC/DEC's kept CF).
template <typename Memory>
uint32_t Cpu<Memory>::carry() const {
    if (!lazy_.pending) return flags_ & kCf;
    if (lazy_.kept_cf != 0xff) return lazy_.kept_cf;
    const Lazy& l = lazy_;
    switch (l.op) {
    case 0:
    case 2: return static_cast<uint32_t>(((uint64_t{l.a} + l.b + l.carry) >> (8 * l.size)) & 1);
    case 3:
    case 5:
    case 7: return uint64_t{l.a} < uint64_t{l.b} + l.carry ? kCf : 0;
    default: return 0;
    }
}

// Group 2: rol ror rcl rcr shl shr sal sar. `count` is already masked to 5 bits (SDM: the 8086's
// unmasked count is not the Pentium's). A count of 0 changes nothing, flags included.
template <typename Memory>
uint32_t Cpu<Memory>::shift(unsigned op, unsigned size, uint32_t v, unsigned count) {
    const unsigned bits = 8 * size;
    const uint32_t m = mask_of(size), s = sign_of(size);
    v &= m;
    if (count == 0) return v;
    uint32_t r = v;
    switch (op) {
    case 0:    // rol
    case 1: {  // ror: CF and OF change even when count is a multiple of the size (SDM pseudocode)
        const unsigned c = count % bits;
        if (op == 0) r = c ? ((v << c) | (v >> (bits - c))) & m : v;
        else r = c ? ((v >> c) | (v << (bits - c))) & m : v;
        const bool cf = op == 0 ? (r & 1) : (r & s) != 0;
        const bool of = op == 0 ? (((r & s) != 0) != cf) : (((r & s) != 0) != ((r & (s >> 1)) != 0));
        fl() = (fl() & ~(kCf | kOf)) | (cf ? kCf : 0) | (of ? kOf : 0);
        return r;
    }
    case 2:    // rcl
    case 3: {  // rcr: through CF, a (bits + 1)-bit rotation
        const unsigned c = count % (bits + 1);
        if (c == 0) return v;
        const uint64_t w = (uint64_t{(fl() & kCf) ? 1u : 0u} << bits) | v;
        const uint64_t wm = (uint64_t{1} << (bits + 1)) - 1;
        const uint64_t rot = op == 2 ? ((w << c) | (w >> (bits + 1 - c))) & wm
                                     : ((w >> c) | (w << (bits + 1 - c))) & wm;
        r = static_cast<uint32_t>(rot) & m;
        const bool cf = (rot >> bits) & 1;
        const bool of = ((v ^ r) & s) != 0;
        fl() = (fl() & ~(kCf | kOf)) | (cf ? kCf : 0) | (of ? kOf : 0);
        return r;
    }
    case 4:
    case 6: {  // shl/sal
        const uint64_t before = uint64_t{v} << (count - 1);  // the value before the last one-bit step
        r = static_cast<uint32_t>(before << 1) & m;
        const bool cf = (before >> (bits - 1)) & 1;
        const bool of = ((static_cast<uint32_t>(before) ^ r) & s) != 0;
        set_szp(size, r, ~kArithFlags);
        fl() |= (cf ? kCf : 0) | (of ? kOf : 0);
        return r;
    }
    case 5: {  // shr
        const uint32_t before = v >> (count - 1);
        r = before >> 1;
        set_szp(size, r, ~kArithFlags);
        fl() |= ((before & 1) ? kCf : 0) | (((before ^ r) & s) ? kOf : 0);
        return r;
    }
    case 7: {  // sar
        const int32_t sv = static_cast<int32_t>(sext(size, v));
        const uint32_t before = static_cast<uint32_t>(sv >> (count - 1));
        r = static_cast<uint32_t>(static_cast<int32_t>(before) >> 1) & m;
        set_szp(size, r, ~kArithFlags);
        fl() |= (before & 1) ? kCf : 0;  // OF = 0: the sign never changes
        return r;
    }
    }
    return r;
}

// SHLD (left) / SHRD: dst shifted, filled from src. count 1..31 (masked, nonzero).
template <typename Memory>
uint32_t Cpu<Memory>::shift_double(bool left, unsigned size, uint32_t dst, uint32_t src, unsigned count) {
    const unsigned bits = 8 * size;
    const uint32_t m = mask_of(size), s = sign_of(size);
    dst &= m;
    src &= m;
    uint32_t r, before;
    bool cf;
    if (left) {
        const uint64_t w = (uint64_t{dst} << (64 - bits)) | (uint64_t{src} << (64 - 2 * bits));  // dst:src, left-aligned
        before = static_cast<uint32_t>((w << (count - 1)) >> (64 - bits)) & m;
        r = static_cast<uint32_t>((w << count) >> (64 - bits)) & m;
        cf = (before & s) != 0;
    } else {
        const uint64_t w = (uint64_t{src} << bits) | dst;  // src:dst
        before = static_cast<uint32_t>(w >> (count - 1)) & m;
        r = static_cast<uint32_t>(w >> count) & m;
        cf = before & 1;
    }
    set_szp(size, r, ~kArithFlags);
    fl() |= (cf ? kCf : 0) | (((before ^ r) & s) ? kOf : 0);
    return r;
}

// Condition codes tttn (SDM Vol. 2, Table B-1): o b e be s p l le, odd n negates.
template <typename Memory>
bool Cpu<Memory>::cond(unsigned c) const {
    // E/NE and S/NS of a pending ALU result read it directly (ZF and SF depend on the result alone).
    if (lazy_.pending && (c >> 1) == 2) return (lazy_.r == 0) != (c & 1);
    if (lazy_.pending && (c >> 1) == 4) return ((lazy_.r & sign_of(lazy_.size)) != 0) != (c & 1);
    const uint32_t f = fl();
    bool r = false;
    switch (c >> 1) {
    case 0: r = f & kOf; break;
    case 1: r = f & kCf; break;
    case 2: r = f & kZf; break;
    case 3: r = f & (kCf | kZf); break;
    case 4: r = f & kSf; break;
    case 5: r = f & kPf; break;
    case 6: r = !(f & kSf) != !(f & kOf); break;
    case 7: r = (f & kZf) || (!(f & kSf) != !(f & kOf)); break;
    }
    return r != (c & 1);
}

// ---- memory -------------------------------------------------------------------------------------

template <typename Memory>
uint8_t* Cpu<Memory>::host_of(const Translation& t, uint32_t la) {
    if (!t.ok()) {
        if (t.fault == Fault::Page) {
            cr2_ = la;
            fault(kVecPf, true, t.error_code);
        } else {
            bus_error(t.pa);
        }
        return nullptr;
    }
    uint8_t* p = mem_.host(t.pa);
    if (!p) bus_error(t.pa);
    return p;
}

// A data reference to the page of the previous one of its kind (read or write) at the same CPL
// repeats that translation when that is exact (Mmu::repeat), as the fetch does (advance()).
template <typename Memory>
inline uint8_t* Cpu<Memory>::host(uint32_t la, Access access, uint64_t& pa) {
    const unsigned offset = la & 0xfff;
    // A memory whose Repeat holds nothing (FlatMemory) translates for nothing: nothing to repeat.
    if (!std::is_empty_v<typename Memory::Repeat> && access != Access::Fetch) {
        const DataPage& d = data_[access == Access::Write];
        if (((la & ~0xfffu) | cpl_) == d.tag && mem_.repeat(d.repeat, la, access, pa)) {
            pa = d.pa + offset;
            return d.host + offset;
        }
    }
    return host_translated(la, access, pa);
}

template <typename Memory>
uint8_t* Cpu<Memory>::host_translated(uint32_t la, Access access, uint64_t& pa) {
    const Translation t = mem_.translate(la, access, privilege());
    pa = t.pa;
    uint8_t* p = host_of(t, la);
    if (!std::is_empty_v<typename Memory::Repeat> && p && access != Access::Fetch && repeat_) {
        const unsigned offset = la & 0xfff;
        DataPage& d = data_[access == Access::Write];
        d.tag = (la & ~0xfffu) | cpl_;
        d.repeat = mem_.repeatable(la, access, privilege());
        d.pa = t.pa - offset;
        d.host = p - offset;
    }
    return p;
}

// An access that crosses a page boundary: both pages are translated (and may fault) before any
// byte is written, so a faulting store changes no memory.
template <typename Memory>
bool Cpu<Memory>::access_split(uint32_t la, unsigned size, uint8_t* buf, Access access) {
    const unsigned first = 0x1000 - (la & 0xfff);
    uint64_t pa0 = 0, pa1 = 0;
    uint8_t* p0 = host(la, access, pa0);
    if (!p0) return false;
    uint8_t* p1 = host(la + first, access, pa1);
    if (!p1) return false;
    if (access == Access::Write) {
        std::memcpy(p0, buf, first);
        std::memcpy(p1, buf + first, size - first);
        code_.stored(pa0, first);
        code_.stored(pa1, size - first);
    } else {
        std::memcpy(buf, p0, first);
        std::memcpy(buf + first, p1, size - first);
    }
    return true;
}

template <typename Memory>
bool Cpu<Memory>::load(uint32_t la, unsigned size, uint32_t& value, Access access) {
    value = 0;
    if ((la & 0xfff) > 0x1000 - size) return access_split(la, size, reinterpret_cast<uint8_t*>(&value), access);
    uint64_t pa;
    const uint8_t* p = host(la, access, pa);
    if (!p) return false;
    if (size == 4) std::memcpy(&value, p, 4);  // constant sizes: no call to memcpy
    else if (size == 2) std::memcpy(&value, p, 2);
    else value = *p;
    return true;
}

template <typename Memory>
bool Cpu<Memory>::store(uint32_t la, unsigned size, uint32_t value) {
    if ((la & 0xfff) > 0x1000 - size)
        return access_split(la, size, reinterpret_cast<uint8_t*>(&value), Access::Write);
    uint64_t pa;
    uint8_t* p = host(la, Access::Write, pa);
    if (!p) return false;
    if (size == 4) std::memcpy(p, &value, 4);
    else if (size == 2) std::memcpy(p, &value, 2);
    else *p = static_cast<uint8_t>(value);
    code_.stored(pa, size);
    return true;
}

template <typename Memory>
bool Cpu<Memory>::push(unsigned size, uint32_t value) {
    const uint32_t sp = r_[kEsp] - size;
    if (!store(sp, size, value)) return false;
    r_[kEsp] = sp;
    return true;
}

template <typename Memory>
bool Cpu<Memory>::pop(unsigned size, uint32_t& value) {
    if (!load(r_[kEsp], size, value)) return false;
    r_[kEsp] += size;
    return true;
}

// ---- string instructions ------------------------------------------------------------------------

// MOVS/STOS/LODS/CMPS/SCAS with or without REP. Each iteration changes ESI/EDI/ECX (and flags) only
// after its references succeed, so a fault keeps the iterations completed, with EIP at the instruction.
template <typename Memory>
bool Cpu<Memory>::string_op(const Insn& in) {
    const unsigned size = in.size;
    const uint32_t delta = (flags_ & kDf) ? static_cast<uint32_t>(-static_cast<int32_t>(size)) : size;
    const bool rep = in.prefix & (kRep | kRepne);
    const bool compares = in.op == Op::Cmps || in.op == Op::Scas;
    for (;;) {
        if (rep && r_[kEcx] == 0) return true;
        uint32_t a = 0, b = 0;
        bool ok = true;
        switch (in.op) {
        case Op::Movs:
            ok = load(r_[kEsi], size, a) && store(r_[kEdi], size, a);
            if (ok) r_[kEsi] += delta, r_[kEdi] += delta;
            break;
        case Op::Stos:
            ok = store(r_[kEdi], size, get_reg(size, kEax));
            if (ok) r_[kEdi] += delta;
            break;
        case Op::Lods:
            ok = load(r_[kEsi], size, a);
            if (ok) set_reg(size, kEax, a), r_[kEsi] += delta;
            break;
        case Op::Cmps:
            ok = load(r_[kEsi], size, a) && load(r_[kEdi], size, b);
            if (ok) alu(7, size, a, b), r_[kEsi] += delta, r_[kEdi] += delta;
            break;
        case Op::Scas:
            ok = load(r_[kEdi], size, b);
            if (ok) alu(7, size, get_reg(size, kEax), b), r_[kEdi] += delta;
            break;
        default: break;
        }
        if (!ok) return false;
        if (!rep) return true;
        --r_[kEcx];
        if (compares) {
            const bool zf = fl() & kZf;
            if ((in.prefix & kRep) && !zf) return true;
            if ((in.prefix & kRepne) && zf) return true;
        }
    }
}

// ---- the instructions ---------------------------------------------------------------------------

// The most frequent instructions of compiled integer code, inlined into the run loop (no call, no
// saving of the registers the rest of the executor needs); the others are execute_rest()'s.
template <typename Memory>
[[gnu::always_inline]] inline bool Cpu<Memory>::execute(const Insn& in, uint32_t next) {
    const unsigned size = in.size;
    const uint32_t la = in.memory() ? ea(in) : 0;
    uint32_t v = 0;
    eip_ = next;
    switch (in.op) {
    case Op::AluRmReg: {
        const bool cmp = in.sub == 7;
        if (!read_rm(in, size, la, v, cmp ? Access::Read : Access::Write)) return false;
        const uint32_t r = alu(in.sub, size, v, get_reg(size, in.reg));
        return cmp || write_rm(in, size, la, r);
    }
    case Op::AluRegRm: {
        if (!read_rm(in, size, la, v)) return false;
        const uint32_t r = alu(in.sub, size, get_reg(size, in.reg), v);
        if (in.sub != 7) set_reg(size, in.reg, r);
        return true;
    }
    case Op::AluRmImm: {
        const bool cmp = in.sub == 7;
        if (!read_rm(in, size, la, v, cmp ? Access::Read : Access::Write)) return false;
        const uint32_t r = alu(in.sub, size, v, in.imm);
        return cmp || write_rm(in, size, la, r);
    }
    case Op::TestRmReg:
        if (!read_rm(in, size, la, v)) return false;
        alu(4, size, v, get_reg(size, in.reg));
        return true;
    case Op::TestRmImm:
        if (!read_rm(in, size, la, v)) return false;
        alu(4, size, v, in.imm);
        return true;
    case Op::Inc:
    case Op::Dec: {
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        const uint32_t cf = carry();  // INC/DEC leave CF alone
        const uint32_t r = alu(in.op == Op::Inc ? 0 : 5, size, v, 1);
        lazy_.kept_cf = static_cast<uint8_t>(cf);
        return write_rm(in, size, la, r);
    }
    case Op::MovRmReg: return write_rm(in, size, la, get_reg(size, in.reg));
    case Op::MovRegRm:
        if (!read_rm(in, size, la, v)) return false;
        set_reg(size, in.reg, v);
        return true;
    case Op::MovRmImm: return write_rm(in, size, la, in.imm);
    case Op::Lea: set_reg(size, in.reg, la); return true;
    case Op::ShiftImm:
    case Op::ShiftCl: {
        const unsigned count = (in.op == Op::ShiftImm ? in.imm : r_[kEcx]) & 0x1f;
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        // A count of 0 writes nothing back (but the access still needed write permission).
        if (count == 0) return true;
        return write_rm(in, size, la, shift(in.sub, size, v, count));
    }
    case Op::Movzx:
    case Op::Movsx:
        if (!read_rm(in, in.sub, la, v)) return false;
        set_reg(size, in.reg, in.op == Op::Movsx ? sext(in.sub, v) : v);
        return true;
    case Op::Pop: {
        const uint32_t sp = r_[kEsp];
        if (!pop(size, v)) return false;
        // The destination's address uses ESP after the pop (SDM POP); recompute it.
        if (write_rm(in, size, in.memory() ? ea(in) : 0, v)) return true;
        r_[kEsp] = sp;
        return false;
    }
    case Op::Push:
        if (!read_rm(in, size, la, v)) return false;
        return push(size, v);
    case Op::PushImm: return push(size, in.imm);
    case Op::CallRel:
        if (!push(4, next)) return false;
        eip_ = next + in.imm;
        return true;
    case Op::Ret:
        if (!pop(4, v)) return false;
        r_[kEsp] += in.imm;
        eip_ = v;
        return true;
    case Op::JmpRel: eip_ = next + in.imm; return true;
    case Op::Jcc:
        if (cond(in.sub)) eip_ = next + in.imm;
        return true;
    default: return execute_rest(in, next, la);
    }
}

template <typename Memory>
bool Cpu<Memory>::execute_rest(const Insn& in, uint32_t next, uint32_t la) {
    const unsigned size = in.size;
    uint32_t v = 0;
    switch (in.op) {
    case Op::Ud: return fault(kVecUd);

    case Op::Not:
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        return write_rm(in, size, la, ~v);
    case Op::Neg:
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        return write_rm(in, size, la, alu(5, size, 0, v));

    case Op::Mul:
    case Op::Imul1: {
        if (!read_rm(in, size, la, v)) return false;
        const uint32_t a = get_reg(size, kEax);
        uint64_t full;
        bool overflow;
        if (in.op == Op::Mul) {
            full = uint64_t{a} * v;
            overflow = (full >> (8 * size)) != 0;
        } else {
            const int64_t p = signed_product(size, a, v);
            full = static_cast<uint64_t>(p);
            overflow = imul_overflows(size, p);
        }
        const uint32_t lo = static_cast<uint32_t>(full) & mask_of(size);
        if (size == 1) {
            set_reg(2, kEax, static_cast<uint32_t>(full));
        } else {
            set_reg(size, kEax, lo);
            set_reg(size, kEdx, static_cast<uint32_t>(full >> (8 * size)));
        }
        set_mul_flags(size, lo, overflow);
        return true;
    }
    case Op::ImulRegRm:
    case Op::ImulRegRmImm: {
        if (!read_rm(in, size, la, v)) return false;
        const uint32_t other = in.op == Op::ImulRegRm ? get_reg(size, in.reg) : in.imm;
        const int64_t p = signed_product(size, other, v);
        const uint32_t lo = static_cast<uint32_t>(p) & mask_of(size);
        set_reg(size, in.reg, lo);
        set_mul_flags(size, lo, imul_overflows(size, p));
        return true;
    }
    case Op::Div:
    case Op::Idiv: {
        if (!read_rm(in, size, la, v)) return false;
        const unsigned bits = 8 * size;
        const uint64_t dividend = size == 1 ? (r_[kEax] & 0xffff)
                                : (uint64_t{get_reg(size, kEdx)} << bits) | get_reg(size, kEax);
        if (v == 0) return fault(kVecDe);
        uint64_t q, rem;
        if (in.op == Op::Div) {
            q = dividend / v;
            rem = dividend % v;
            if (q > mask_of(size)) return fault(kVecDe);
        } else {
            // The dividend as a signed 2*bits-bit value; INT64_MIN cannot occur (at most 64 bits
            // wide, and 64 only for size 4 where the divisor is at most 32 bits wide).
            const int64_t n = bits == 32 ? static_cast<int64_t>(dividend)
                                         : static_cast<int64_t>(dividend << (64 - 2 * bits)) >> (64 - 2 * bits);
            const int64_t d = static_cast<int32_t>(sext(size, v));
            if (n == INT64_MIN && d == -1) return fault(kVecDe);
            const int64_t sq = n / d, sr = n % d;
            const int64_t lim = int64_t{1} << (bits - 1);
            if (sq >= lim || sq < -lim) return fault(kVecDe);
            q = static_cast<uint64_t>(sq);
            rem = static_cast<uint64_t>(sr);
        }
        if (size == 1) {
            set_reg(2, kEax, (static_cast<uint32_t>(q) & 0xff) | ((static_cast<uint32_t>(rem) & 0xff) << 8));
        } else {
            set_reg(size, kEax, static_cast<uint32_t>(q));
            set_reg(size, kEdx, static_cast<uint32_t>(rem));
        }
        return true;
    }

    case Op::ShldImm:
    case Op::ShldCl:
    case Op::ShrdImm:
    case Op::ShrdCl: {
        const bool by_cl = in.op == Op::ShldCl || in.op == Op::ShrdCl;
        const unsigned count = (by_cl ? r_[kEcx] : in.imm) & 0x1f;
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        if (count == 0) return true;  // flags unchanged (SDM SHLD: "If the count is 0, the flags are not affected")
        const bool left = in.op == Op::ShldImm || in.op == Op::ShldCl;
        return write_rm(in, size, la, shift_double(left, size, v, get_reg(size, in.reg), count));
    }

    case Op::Xchg:
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        if (!write_rm(in, size, la, get_reg(size, in.reg))) return false;
        set_reg(size, in.reg, v);
        return true;
    case Op::Nop: return true;

    case Op::Pusha: {
        const uint32_t sp = r_[kEsp];
        if (!store(sp - 32, 4, r_[kEdi])) return false;  // the lowest word first: faults before any change
        for (unsigned r = 0; r < 8; ++r)
            if (!store(sp - 4 * (r + 1), 4, r == kEsp ? sp : r_[r])) return false;
        r_[kEsp] = sp - 32;
        return true;
    }
    case Op::Popa: {
        uint32_t vals[8];
        const uint32_t sp = r_[kEsp];
        for (unsigned r = 0; r < 8; ++r)
            if (!load(sp + 4 * (7 - r), 4, vals[r])) return false;
        for (unsigned r = 0; r < 8; ++r)
            if (r != kEsp) r_[r] = vals[r];
        r_[kEsp] = sp + 32;
        return true;
    }
    case Op::Pushf: return push(4, fl() & ~(kRf | kVm));
    case Op::Popf: {
        if (!pop(4, v)) return false;
        uint32_t writable = kWritableFlags;
        if (cpl_ > 0) writable &= ~kIopl;
        if (cpl_ > ((flags_ & kIopl) >> 12)) writable &= ~kIf;
        fl() = (fl() & ~writable) | (v & writable) | kFlagsFixed;
        return true;
    }
    case Op::Sahf: {
        const uint32_t m = kSf | kZf | kAf | kPf | kCf;
        fl() = (fl() & ~m) | (get_reg(1, 4) & m);  // register 4 of the 8-bit set is AH
        return true;
    }
    case Op::Lahf: set_reg(1, 4, (fl() & 0xff) | kFlagsFixed); return true;

    case Op::CallRm:
        if (!read_rm(in, 4, la, v)) return false;
        if (!push(4, next)) return false;
        eip_ = v;
        return true;
    case Op::JmpRm:
        if (!read_rm(in, 4, la, v)) return false;
        eip_ = v;
        return true;
    case Op::Setcc: return write_rm(in, 1, la, cond(in.sub) ? 1 : 0);
    case Op::Loop:
    case Op::Loope:
    case Op::Loopne: {
        const uint32_t c = --r_[kEcx];
        bool take = c != 0;
        if (in.op == Op::Loope) take = take && (fl() & kZf);
        if (in.op == Op::Loopne) take = take && !(fl() & kZf);
        if (take) eip_ = next + in.imm;
        return true;
    }
    case Op::Jecxz:
        if (r_[kEcx] == 0) eip_ = next + in.imm;
        return true;

    case Op::Cwde:
        if (size == 4) r_[kEax] = sext(2, r_[kEax]);
        else set_reg(2, kEax, sext(1, r_[kEax]));
        return true;
    case Op::Cdq:
        set_reg(size, kEdx, (get_reg(size, kEax) & sign_of(size)) ? 0xffffffffu : 0);
        return true;

    case Op::BtReg:
    case Op::BtImm: {
        const unsigned bits = 8 * size;
        uint32_t addr = la;
        unsigned bit;
        if (in.op == Op::BtImm) {
            bit = in.imm & (bits - 1);
        } else {
            const uint32_t off = get_reg(size, in.reg);
            bit = off & (bits - 1);
            // A register bit offset reaches outside the operand in memory (SDM BT: -2^31 to 2^31-1).
            if (in.memory()) addr += static_cast<uint32_t>((static_cast<int32_t>(sext(size, off)) >> (size == 4 ? 5 : 4)) * static_cast<int32_t>(size));
        }
        const bool writes = in.sub != 0;
        if (in.memory()) {
            if (!load(addr, size, v, writes ? Access::Write : Access::Read)) return false;
        } else {
            v = get_reg(size, in.rm);
        }
        const uint32_t b = 1u << bit;
        fl() = (fl() & ~kCf) | ((v & b) ? kCf : 0);
        if (!writes) return true;
        const uint32_t r = in.sub == 1 ? (v | b) : in.sub == 2 ? (v & ~b) : (v ^ b);
        if (in.memory()) return store(addr, size, r);
        set_reg(size, in.rm, r);
        return true;
    }
    case Op::Bsf:
    case Op::Bsr: {
        if (!read_rm(in, size, la, v)) return false;
        v &= mask_of(size);
        set_szp(size, v, ~kArithFlags);  // ZF = (source == 0); see the header comment for the rest
        if (v != 0) set_reg(size, in.reg, in.op == Op::Bsf ? __builtin_ctz(v) : 31 - __builtin_clz(v));
        return true;
    }
    case Op::Bswap:
        // With a 16-bit operand the result is undefined (SDM BSWAP); GCC never emits it. Ours swaps 32 bits.
        r_[in.rm] = __builtin_bswap32(r_[in.rm]);
        return true;

    case Op::Cmpxchg: {
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        const uint32_t acc = get_reg(size, kEax);
        alu(7, size, acc, v);
        if (fl() & kZf) return write_rm(in, size, la, get_reg(size, in.reg));
        // The Pentium writes the destination back when the comparison fails (SDM CMPXCHG).
        if (!write_rm(in, size, la, v)) return false;
        set_reg(size, kEax, v);
        return true;
    }
    case Op::Xadd: {
        if (!read_rm(in, size, la, v, Access::Write)) return false;
        const uint32_t sum = alu(0, size, v, get_reg(size, in.reg));
        if (in.memory()) {
            if (!store(la, size, sum)) return false;
            set_reg(size, in.reg, v);
        } else {
            set_reg(size, in.reg, v);  // SDM order: SRC <- DEST, then DEST <- TEMP
            set_reg(size, in.rm, sum);
        }
        return true;
    }
    case Op::Cmpxchg8b: {
        uint32_t lo, hi;
        if (!load(la, 4, lo, Access::Write) || !load(la + 4, 4, hi, Access::Write)) return false;
        const bool eq = lo == r_[kEax] && hi == r_[kEdx];
        if (eq) {
            if (!store(la, 4, r_[kEbx]) || !store(la + 4, 4, r_[kEcx])) return false;
        } else {
            if (!store(la, 4, lo) || !store(la + 4, 4, hi)) return false;
            r_[kEax] = lo;
            r_[kEdx] = hi;
        }
        fl() = (fl() & ~kZf) | (eq ? kZf : 0);
        return true;
    }

    case Op::Movs:
    case Op::Stos:
    case Op::Lods:
    case Op::Cmps:
    case Op::Scas: return string_op(in);

    case Op::Enter: {
        // SDM ENTER with a 32-bit stack: push EBP, copy level-1 frame pointers, push the frame pointer.
        const unsigned level = in.sub;
        const uint32_t size_bytes = in.imm & 0xffff;
        const uint32_t sp0 = r_[kEsp];
        if (!push(4, r_[kEbp])) return false;
        const uint32_t frame = r_[kEsp];
        uint32_t bp = r_[kEbp];
        bool ok = true;
        for (unsigned i = 1; ok && i < level; ++i) {
            bp -= 4;
            ok = load(bp, 4, v) && push(4, v);
        }
        if (ok && level > 0) ok = push(4, frame);
        if (!ok) {
            r_[kEsp] = sp0;
            return false;
        }
        r_[kEbp] = frame;
        r_[kEsp] -= size_bytes;
        return true;
    }
    case Op::Leave: {
        if (!load(r_[kEbp], 4, v)) return false;
        r_[kEsp] = r_[kEbp] + 4;
        r_[kEbp] = v;
        return true;
    }
    case Op::Hlt:
        if (cpl_ != 0) return fault(kVecGp, true, 0);
        result_ = StepResult{};
        result_.stop = Stop::Halt;
        return true;
    case Op::Clc: fl() &= ~kCf; return true;
    case Op::Stc: fl() |= kCf; return true;
    case Op::Cmc: fl() ^= kCf; return true;
    case Op::Cld: fl() &= ~kDf; return true;
    case Op::Std: fl() |= kDf; return true;
    default: return execute_system(in, next);
    }
    return fault(kVecUd);
}

// ---- fetch, decode, step ------------------------------------------------------------------------

// Decodes the instruction at `start` (physical `pa`, host bytes `p`) on a decoded-cache miss: into
// its slot, or into uncached_ when it crosses into the next page. Null after a fault.
template <typename Memory>
const Insn* Cpu<Memory>::decode_miss(uint32_t start, uint64_t pa, const uint8_t* p, Insn& slot, Note* note) {
    uint8_t bytes[kMaxInsnBytes];
    const unsigned in_page = 0x1000 - (start & 0xfff);
    const unsigned n = in_page < kMaxInsnBytes ? in_page : kMaxInsnBytes;
    std::memcpy(bytes, p, n);
    Insn in;
    DecodeStatus s = decode(bytes, n, in);
    if (s == DecodeStatus::Ok) {
        slot = in;
        if constexpr (kNotes) *note = Memory::note(slot);
        code_.filled(pa, in.len);
        return &slot;
    }
    if (s == DecodeStatus::Truncated) {
        // The instruction continues on the next page: fetch that (it may fault) and decode again.
        uint64_t pa1 = 0;
        const uint8_t* p1 = host(start + in_page, Access::Fetch, pa1);
        if (!p1) return nullptr;
        std::memcpy(bytes + n, p1, kMaxInsnBytes - n);
        s = decode(bytes, kMaxInsnBytes, uncached_);
        if (s == DecodeStatus::Ok) {
            if constexpr (kNotes) uncached_note_ = Memory::note(uncached_);
            return &uncached_;
        }
    }
    fault(kVecGp, true, 0);  // longer than 15 bytes
    return nullptr;
}

// Faults are restartable without a register snapshot: every instruction changes registers and flags
// only after the references that can fault have succeeded (RMW operands are translated for writing
// when read), except POP to memory and ENTER, which undo their ESP themselves.
// An external interrupt is taken at an instruction boundary, before the fetch (iss_system.cpp).
// A fetch that is not a repeat of the previous one's translation: translates, and remembers the
// page (its host bytes and decoded slots when it is another page) and the translation to repeat.
// Null after a fault.
template <typename Memory>
const Insn* Cpu<Memory>::fetch_translated(uint32_t start) {
    const Translation t = mem_.translate(start, Access::Fetch, privilege());
    const unsigned offset = start & 0xfff;
    if (!t.ok() || t.pa - offset != fetch_pa_) {
        const uint8_t* p = host_of(t, start);
        if (!p) return nullptr;
        fetch_pa_ = t.pa - offset;
        fetch_host_ = p - offset;
        fetch_slots_ = code_.page_slots(t.pa);
        fetch_notes_ = code_.page_notes(t.pa);
    }
    fetch_tag_ = repeat_ ? (start & ~0xfffu) | cpl_ : 0xfff;
    fetch_repeat_ = mem_.repeatable(start, Access::Fetch, privilege());
    Insn& slot = fetch_slots_[offset];
    return slot.len ? &slot : decode_miss(start, t.pa, fetch_host_ + offset, slot, note_at(offset));
}

// One instruction (or an interrupt's delivery); what it ends with is in result_. Inlined into
// step() and run(), so that run() copies no StepResult per instruction.
template <typename Memory>
[[gnu::always_inline]] inline void Cpu<Memory>::advance() {
    result_.stop = Stop::None;
    if (__builtin_expect(intr_, false) && (flags_ & kIf) && instructions_ != shadow_) {
        interrupt();
        return;
    }
    const uint32_t start = eip_;
    const unsigned offset = start & 0xfff;
    uint64_t pa;
    const Insn* in;
    if (__builtin_expect(((start & ~0xfffu) | cpl_) == fetch_tag_, true) &&
        __builtin_expect(mem_.repeat(fetch_repeat_, start, Access::Fetch, pa), true)) {
        Insn& slot = fetch_slots_[offset];
        in = slot.len ? &slot : decode_miss(start, fetch_pa_ + offset, fetch_host_ + offset, slot, note_at(offset));
    } else {
        in = fetch_translated(start);
    }
    if (!in) {
        exception(start);
        return;
    }
    if (!execute(*in, start + in->len)) {
        eip_ = start;
        exception(start);
        return;
    }
    ++instructions_;
    if constexpr (kTimesInstructions<Memory>) {
        // The note of the instruction's slot (fetch_notes_ is still its page's: only a fetch
        // changes it), or of uncached_.
        if constexpr (kNotes) mem_.retired(*in, in == &uncached_ ? uncached_note_ : *note_at(offset), start, eip_);
        else mem_.retired(*in, start, eip_);
    }
}

template <typename Memory>
StepResult Cpu<Memory>::step() {
    advance();
    return result_;
}

template <typename Memory>
StepResult Cpu<Memory>::run(uint64_t max_instructions, uint64_t deadline) {
    budget_ = max_instructions;
    if constexpr (!kTimesInstructions<Memory>) (void)deadline;
    while (budget_) {
        --budget_;
        advance();
        if (result_.stop != Stop::None) return result_;
        // No deadline (all ones, which cycles() never reaches): no sum of the cycle causes to compare.
        if constexpr (kTimesInstructions<Memory>)
            if (deadline != ~uint64_t{0} && cycles() >= deadline) break;
    }
    return StepResult{};
}

// iss_timed.cpp compiles these definitions again for the memories with the Pentium timing model
// attached, in a translation unit of its own so that the untimed CPUs' code does not change.
#ifndef VMSIM_ISS_TIMED
template class Cpu<FlatMemory>;
template class Cpu<MmuMemory>;
#else
template class Cpu<TimedMemory<FlatMemory>>;
template class Cpu<TimedMemory<MmuMemory>>;
#endif

}  // namespace vmsim::x86::iss
