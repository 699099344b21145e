// Table-driven decoding: one table entry per opcode of the one-byte and 0F maps (SDM Vol. 2,
// Tables) and one per ModRM.reg value of the groups (Table A-6). An entry says what
// follows the opcode (ModRM, immediate), the operand size, whether LOCK is allowed, and the Op.
#include "models/x86_64/iss_decode.hpp"

#include <array>

namespace vmsim::x86::iss {
namespace {

// What follows the opcode.
// Ib sign-extended; Iz: 16 or 32 bits by operand size; IzIw: a far pointer (offset, then selector).
enum Imm : uint8_t { kNoImm, kIb, kIz, kIw, kIwIb, kIzIw };

struct Entry {
    Op op = Op::Ud;
    uint8_t sub = 0;
    bool modrm = false;
    bool byte = false;      // 8-bit operand size whatever the prefixes
    Imm imm = kNoImm;
    bool lockable = false;  // LOCK allowed (with a memory destination): SDM Vol. 2, LOCK
    uint8_t group = 0;      // nonzero: the Op comes from kGroups[group][ModRM.reg]
    int8_t fixed_reg = -1;  // register-in-opcode forms: the normalised r/m register
};

enum Group : uint8_t { kG1 = 1, kG2, kG3, kG4, kG5, kG6, kG7, kG8, kG9, kGroupCount };

struct Tables {
    std::array<Entry, 256> one{}, two{};
    std::array<std::array<Entry, 8>, kGroupCount> groups{};
};

Entry e(Op op, bool modrm = false, Imm imm = kNoImm, uint8_t sub = 0) {
    Entry x;
    x.op = op;
    x.modrm = modrm;
    x.imm = imm;
    x.sub = sub;
    return x;
}
Entry byte(Entry x) { x.byte = true; return x; }
Entry lockable(Entry x) { x.lockable = true; return x; }
Entry group(uint8_t g, bool is_byte, Imm imm) {
    Entry x = e(Op::Ud, true, imm);
    x.group = g;
    x.byte = is_byte;
    return x;
}
Entry fixed(Entry x, unsigned reg) { x.fixed_reg = static_cast<int8_t>(reg); return x; }

Tables build() {
    Tables t;
    auto& o = t.one;
    // ALU: 00-3D, eight operations of six forms each (x0 rm8,r8; x1 rm,r; x2 r8,rm8; x3 r,rm; x4 AL,ib; x5 eAX,iz).
    for (unsigned k = 0; k < 8; ++k) {
        const unsigned b = k * 8;
        const bool lk = k != 7;  // CMP writes nothing
        o[b + 0] = byte(e(Op::AluRmReg, true, kNoImm, static_cast<uint8_t>(k)));
        o[b + 1] = e(Op::AluRmReg, true, kNoImm, static_cast<uint8_t>(k));
        o[b + 0].lockable = o[b + 1].lockable = lk;
        o[b + 2] = byte(e(Op::AluRegRm, true, kNoImm, static_cast<uint8_t>(k)));
        o[b + 3] = e(Op::AluRegRm, true, kNoImm, static_cast<uint8_t>(k));
        o[b + 4] = fixed(byte(e(Op::AluRmImm, false, kIb, static_cast<uint8_t>(k))), 0);
        o[b + 5] = fixed(e(Op::AluRmImm, false, kIz, static_cast<uint8_t>(k)), 0);
    }
    for (unsigned r = 0; r < 8; ++r) {
        o[0x40 + r] = fixed(e(Op::Inc), r);
        o[0x48 + r] = fixed(e(Op::Dec), r);
        o[0x50 + r] = fixed(e(Op::Push), r);
        o[0x58 + r] = fixed(e(Op::Pop), r);
        if (r) o[0x90 + r] = fixed(e(Op::Xchg), r);  // xchg eAX, r: reg = 0 below
        o[0xb0 + r] = fixed(byte(e(Op::MovRmImm, false, kIb)), r);
        o[0xb8 + r] = fixed(e(Op::MovRmImm, false, kIz), r);
        t.two[0xc8 + r] = fixed(e(Op::Bswap), r);
    }
    o[0x60] = e(Op::Pusha);
    o[0x61] = e(Op::Popa);
    o[0x68] = e(Op::PushImm, false, kIz);
    o[0x69] = e(Op::ImulRegRmImm, true, kIz);
    o[0x6a] = e(Op::PushImm, false, kIb);
    o[0x6b] = e(Op::ImulRegRmImm, true, kIb);
    for (unsigned c = 0; c < 16; ++c) {
        o[0x70 + c] = e(Op::Jcc, false, kIb, static_cast<uint8_t>(c));
        t.two[0x80 + c] = e(Op::Jcc, false, kIz, static_cast<uint8_t>(c));
        t.two[0x90 + c] = byte(e(Op::Setcc, true, kNoImm, static_cast<uint8_t>(c)));
    }
    o[0x80] = group(kG1, true, kIb);
    o[0x81] = group(kG1, false, kIz);
    o[0x82] = group(kG1, true, kIb);  // an alias of 80 outside 64-bit mode (Table A-2)
    o[0x83] = group(kG1, false, kIb);
    o[0x84] = byte(e(Op::TestRmReg, true));
    o[0x85] = e(Op::TestRmReg, true);
    o[0x86] = lockable(byte(e(Op::Xchg, true)));
    o[0x87] = lockable(e(Op::Xchg, true));
    o[0x88] = byte(e(Op::MovRmReg, true));
    o[0x89] = e(Op::MovRmReg, true);
    o[0x8a] = byte(e(Op::MovRegRm, true));
    o[0x8b] = e(Op::MovRegRm, true);
    o[0x8d] = e(Op::Lea, true);
    o[0x8f] = e(Op::Pop, true);  // /0 only: checked in decode()
    o[0x90] = e(Op::Nop);
    o[0x98] = e(Op::Cwde);
    o[0x99] = e(Op::Cdq);
    o[0x9c] = e(Op::Pushf);
    o[0x9d] = e(Op::Popf);
    o[0x9e] = e(Op::Sahf);
    o[0x9f] = e(Op::Lahf);
    o[0xa0] = byte(e(Op::MovRegRm));  // moffs forms: operands made in decode()
    o[0xa1] = e(Op::MovRegRm);
    o[0xa2] = byte(e(Op::MovRmReg));
    o[0xa3] = e(Op::MovRmReg);
    o[0xa4] = byte(e(Op::Movs));
    o[0xa5] = e(Op::Movs);
    o[0xa6] = byte(e(Op::Cmps));
    o[0xa7] = e(Op::Cmps);
    o[0xa8] = fixed(byte(e(Op::TestRmImm, false, kIb)), 0);
    o[0xa9] = fixed(e(Op::TestRmImm, false, kIz), 0);
    o[0xaa] = byte(e(Op::Stos));
    o[0xab] = e(Op::Stos);
    o[0xac] = byte(e(Op::Lods));
    o[0xad] = e(Op::Lods);
    o[0xae] = byte(e(Op::Scas));
    o[0xaf] = e(Op::Scas);
    o[0xc0] = group(kG2, true, kIb);
    o[0xc1] = group(kG2, false, kIb);
    o[0xc2] = e(Op::Ret, false, kIw);
    o[0xc3] = e(Op::Ret);
    o[0xc6] = byte(e(Op::MovRmImm, true, kIb));  // /0 only
    o[0xc7] = e(Op::MovRmImm, true, kIz);        // /0 only
    o[0xc8] = e(Op::Enter, false, kIwIb);
    o[0xc9] = e(Op::Leave);
    o[0xd0] = group(kG2, true, kNoImm);  // by 1
    o[0xd1] = group(kG2, false, kNoImm);
    o[0xd2] = group(kG2, true, kNoImm);  // by CL
    o[0xd3] = group(kG2, false, kNoImm);
    o[0xe0] = e(Op::Loopne, false, kIb);
    o[0xe1] = e(Op::Loope, false, kIb);
    o[0xe2] = e(Op::Loop, false, kIb);
    o[0xe3] = e(Op::Jecxz, false, kIb);
    o[0xe8] = e(Op::CallRel, false, kIz);
    o[0xe9] = e(Op::JmpRel, false, kIz);
    o[0xeb] = e(Op::JmpRel, false, kIb);
    o[0xf4] = e(Op::Hlt);
    o[0xfa] = e(Op::Cli);
    o[0xfb] = e(Op::Sti);
    // Segment registers: PUSH ES/CS/SS/DS, POP ES/SS/DS (0F is the two-byte escape, not POP CS).
    for (uint8_t s : {kEs, kCs, kSs, kDs}) o[0x06 + 8 * s] = e(Op::PushSreg, false, kNoImm, s);
    for (uint8_t s : {kEs, kSs, kDs}) o[0x07 + 8 * s] = e(Op::PopSreg, false, kNoImm, s);
    o[0x8c] = e(Op::MovFromSreg, true);
    o[0x8e] = e(Op::MovToSreg, true);
    o[0x9a] = e(Op::CallFar, false, kIzIw);
    o[0xea] = e(Op::JmpFar, false, kIzIw);
    o[0xca] = e(Op::RetFar, false, kIw);
    o[0xcb] = e(Op::RetFar);
    o[0xcc] = e(Op::Int3);
    o[0xcd] = e(Op::Int, false, kIb);
    o[0xce] = e(Op::Into);
    o[0xcf] = e(Op::Iret);
    o[0xe4] = byte(e(Op::In, false, kIb, 0));
    o[0xe5] = e(Op::In, false, kIb, 0);
    o[0xe6] = byte(e(Op::Out, false, kIb, 0));
    o[0xe7] = e(Op::Out, false, kIb, 0);
    o[0xec] = byte(e(Op::In, false, kNoImm, 1));
    o[0xed] = e(Op::In, false, kNoImm, 1);
    o[0xee] = byte(e(Op::Out, false, kNoImm, 1));
    o[0xef] = e(Op::Out, false, kNoImm, 1);
    o[0xf5] = e(Op::Cmc);
    o[0xf6] = group(kG3, true, kNoImm);  // /0 /1 take an immediate: added in decode()
    o[0xf7] = group(kG3, false, kNoImm);
    o[0xf8] = e(Op::Clc);
    o[0xf9] = e(Op::Stc);
    o[0xfc] = e(Op::Cld);
    o[0xfd] = e(Op::Std);
    o[0xfe] = group(kG4, true, kNoImm);
    o[0xff] = group(kG5, false, kNoImm);

    auto& w = t.two;
    w[0x00] = group(kG6, false, kNoImm);
    w[0x01] = group(kG7, false, kNoImm);
    w[0x06] = e(Op::Clts);
    w[0x08] = e(Op::Wbinvd);  // INVD
    w[0x09] = e(Op::Wbinvd);
    w[0x20] = e(Op::MovFromCr, true);
    w[0x22] = e(Op::MovToCr, true);
    w[0x31] = e(Op::Rdtsc);
    w[0xa0] = e(Op::PushSreg, false, kNoImm, kFs);
    w[0xa1] = e(Op::PopSreg, false, kNoImm, kFs);
    w[0xa2] = e(Op::Cpuid);
    w[0xa8] = e(Op::PushSreg, false, kNoImm, kGs);
    w[0xa9] = e(Op::PopSreg, false, kNoImm, kGs);
    w[0xa3] = e(Op::BtReg, true, kNoImm, 0);
    w[0xa4] = e(Op::ShldImm, true, kIb);
    w[0xa5] = e(Op::ShldCl, true);
    w[0xab] = lockable(e(Op::BtReg, true, kNoImm, 1));
    w[0xac] = e(Op::ShrdImm, true, kIb);
    w[0xad] = e(Op::ShrdCl, true);
    w[0xaf] = e(Op::ImulRegRm, true);
    w[0xb0] = lockable(byte(e(Op::Cmpxchg, true)));
    w[0xb1] = lockable(e(Op::Cmpxchg, true));
    w[0xb3] = lockable(e(Op::BtReg, true, kNoImm, 2));
    w[0xb6] = e(Op::Movzx, true, kNoImm, 1);
    w[0xb7] = e(Op::Movzx, true, kNoImm, 2);
    w[0xba] = group(kG8, false, kIb);
    w[0xbb] = lockable(e(Op::BtReg, true, kNoImm, 3));
    w[0xbc] = e(Op::Bsf, true);
    w[0xbd] = e(Op::Bsr, true);
    w[0xbe] = e(Op::Movsx, true, kNoImm, 1);
    w[0xbf] = e(Op::Movsx, true, kNoImm, 2);
    w[0xc0] = lockable(byte(e(Op::Xadd, true)));
    w[0xc1] = lockable(e(Op::Xadd, true));
    w[0xc7] = group(kG9, false, kNoImm);

    auto& g = t.groups;
    for (unsigned k = 0; k < 8; ++k) {
        g[kG1][k] = e(Op::AluRmImm, true, kNoImm, static_cast<uint8_t>(k));
        g[kG1][k].lockable = k != 7;
        g[kG2][k] = e(Op::ShiftImm, true, kNoImm, static_cast<uint8_t>(k));  // ShiftCl for D2/D3: decode()
    }
    g[kG3][0] = e(Op::TestRmImm, true);
    g[kG3][1] = e(Op::TestRmImm, true);  // /1: undocumented; QEMU and Unicorn run it as /0, so do we (unverified on a P5)
    g[kG3][2] = lockable(e(Op::Not, true));
    g[kG3][3] = lockable(e(Op::Neg, true));
    g[kG3][4] = e(Op::Mul, true);
    g[kG3][5] = e(Op::Imul1, true);
    g[kG3][6] = e(Op::Div, true);
    g[kG3][7] = e(Op::Idiv, true);
    g[kG4][0] = lockable(e(Op::Inc, true));
    g[kG4][1] = lockable(e(Op::Dec, true));
    g[kG5][0] = lockable(e(Op::Inc, true));
    g[kG5][1] = lockable(e(Op::Dec, true));
    g[kG5][2] = e(Op::CallRm, true);
    g[kG5][3] = e(Op::CallFar, true);
    g[kG5][4] = e(Op::JmpRm, true);
    g[kG5][5] = e(Op::JmpFar, true);
    g[kG6][0] = e(Op::Sldt, true);
    g[kG6][1] = e(Op::Str, true);
    g[kG6][2] = e(Op::Lldt, true);
    g[kG6][3] = e(Op::Ltr, true);
    g[kG7][0] = e(Op::Sgdt, true);
    g[kG7][1] = e(Op::Sidt, true);
    g[kG7][2] = e(Op::Lgdt, true);
    g[kG7][3] = e(Op::Lidt, true);
    g[kG7][7] = e(Op::Invlpg, true);
    g[kG5][6] = e(Op::Push, true);
    g[kG8][4] = e(Op::BtImm, true, kNoImm, 0);
    g[kG8][5] = lockable(e(Op::BtImm, true, kNoImm, 1));
    g[kG8][6] = lockable(e(Op::BtImm, true, kNoImm, 2));
    g[kG8][7] = lockable(e(Op::BtImm, true, kNoImm, 3));
    g[kG9][1] = lockable(e(Op::Cmpxchg8b, true));
    return t;
}

const Tables& tables() {
    static const Tables t = build();
    return t;
}

// Reads little-endian immediates and displacements; `ok` turns false past the end of the bytes.
struct Cursor {
    const uint8_t* p;
    size_t avail, pos = 0;
    bool ok = true;
    uint32_t take(unsigned n) {
        if (pos + n > avail) {
            ok = false;
            pos = avail;
            return 0;
        }
        uint32_t v = 0;
        for (unsigned i = 0; i < n; ++i) v |= uint32_t{p[pos + i]} << (8 * i);
        pos += n;
        return v;
    }
};

int32_t sext8(uint32_t v) { return static_cast<int8_t>(v); }

// ModRM (and SIB, displacement) with 32-bit addressing: SDM Vol. 2, Tables 2-2 and 2-3.
void modrm(Cursor& c, uint8_t m, Insn& out) {
    const unsigned mod = m >> 6, rm = m & 7;
    out.reg = (m >> 3) & 7;
    if (mod == 3) {
        out.rm = static_cast<uint8_t>(rm);
        return;
    }
    out.rm = kMemOperand;
    if (rm == 4) {
        const uint8_t sib = static_cast<uint8_t>(c.take(1));
        out.scale = sib >> 6;
        const unsigned index = (sib >> 3) & 7, base = sib & 7;
        out.index = index == 4 ? kNoReg : static_cast<uint8_t>(index);  // index 100b: none
        if (base == 5 && mod == 0) {
            out.base = kNoReg;  // [index * scale + disp32]
            out.disp = static_cast<int32_t>(c.take(4));
            return;
        }
        out.base = static_cast<uint8_t>(base);
    } else if (rm == 5 && mod == 0) {
        out.base = kNoReg;  // [disp32]
        out.disp = static_cast<int32_t>(c.take(4));
        return;
    } else {
        out.base = static_cast<uint8_t>(rm);
    }
    if (mod == 1) out.disp = sext8(c.take(1));
    if (mod == 2) out.disp = static_cast<int32_t>(c.take(4));
}

}  // namespace

DecodeStatus decode(const uint8_t* bytes, size_t avail, Insn& out) {
    out = Insn{};
    const Tables& t = tables();
    Cursor c{bytes, avail < kMaxInsnBytes ? avail : kMaxInsnBytes};
    const bool window_limited = avail >= kMaxInsnBytes;  // running out then means "too long"
    auto finish = [&](DecodeStatus s) {
        if (s == DecodeStatus::Truncated && window_limited) return DecodeStatus::TooLong;
        return s;
    };

    // Prefixes, any number and order (SDM Vol. 2, 2.1.1). The last of F2/F3 wins, as in QEMU.
    bool addr16 = false;
    uint8_t op = 0;
    for (;;) {
        op = static_cast<uint8_t>(c.take(1));
        if (!c.ok) return finish(DecodeStatus::Truncated);
        switch (op) {
        case 0xf0: out.prefix |= kLock; continue;
        case 0xf2: out.prefix = static_cast<uint8_t>((out.prefix & ~kRep) | kRepne); continue;
        case 0xf3: out.prefix = static_cast<uint8_t>((out.prefix & ~kRepne) | kRep); continue;
        case 0x66: out.prefix |= kOpsize; continue;
        case 0x67: addr16 = true; continue;
        case 0x26: out.seg = kEs; continue;
        case 0x2e: out.seg = kCs; continue;
        case 0x36: out.seg = kSs; continue;
        case 0x3e: out.seg = kDs; continue;
        case 0x64: out.seg = kFs; continue;
        case 0x65: out.seg = kGs; continue;
        default: break;
        }
        break;
    }

    Entry en;
    bool two_byte = false;
    uint8_t op2 = 0;
    if (op == 0x0f) {
        two_byte = true;
        op2 = static_cast<uint8_t>(c.take(1));
        if (!c.ok) return finish(DecodeStatus::Truncated);
        en = t.two[op2];
        // ENDBR32 (F3 0F 1E FB): the Debian 32-bit libgcc has one at every entry. A P5 would
        // presumably #UD on it (i386.md section 1); we run it as a NOP, a documented deviation.
        if (op2 == 0x1e && (out.prefix & kRep)) {
            const uint8_t m = static_cast<uint8_t>(c.take(1));
            if (!c.ok) return finish(DecodeStatus::Truncated);
            if (m == 0xfb) {
                out.op = Op::Nop;
                out.len = static_cast<uint8_t>(c.pos);
                return DecodeStatus::Ok;
            }
            en = Entry{};
        }
    } else {
        en = t.one[op];
    }

    out.size = en.byte ? 1 : (out.prefix & kOpsize) ? 2 : 4;
    if (en.fixed_reg >= 0) out.rm = static_cast<uint8_t>(en.fixed_reg);
    if (en.modrm) {
        const uint8_t m = static_cast<uint8_t>(c.take(1));
        if (!c.ok) return finish(DecodeStatus::Truncated);
        if (two_byte && (op2 == 0x20 || op2 == 0x22)) {
            // MOV to/from CRn: the r/m field is a general register whatever mod says, and no SIB or
            // displacement follows (SDM Vol. 2, MOV-Move to/from Control Registers).
            out.reg = (m >> 3) & 7;
            out.rm = m & 7;
        } else {
            modrm(c, m, out);
        }
        if (!c.ok) return finish(DecodeStatus::Truncated);
        if (en.group) {
            const Entry& ge = t.groups[en.group][out.reg];
            const Imm imm = en.imm;
            const bool is_byte = en.byte;
            en = ge;
            en.imm = imm;
            en.byte = is_byte;
            out.sub = ge.sub;
            if (en.op == Op::ShiftImm && (op == 0xd2 || op == 0xd3)) en.op = Op::ShiftCl;
            if (en.op == Op::TestRmImm) en.imm = is_byte ? kIb : kIz;
        } else {
            out.sub = en.sub;
        }
    } else {
        out.sub = en.sub;
    }

    // Immediates.
    switch (en.imm) {
    case kNoImm: break;
    case kIb: out.imm = static_cast<uint32_t>(sext8(c.take(1))); break;
    case kIz: out.imm = out.size == 2 ? c.take(2) : c.take(4); break;
    case kIw: out.imm = c.take(2); break;
    case kIwIb:
        out.imm = c.take(2);
        out.sub = static_cast<uint8_t>(c.take(1) & 0x1f);  // ENTER's level is taken modulo 32
        break;
    case kIzIw:
        out.imm = out.size == 2 ? c.take(2) : c.take(4);
        out.disp = static_cast<int32_t>(c.take(2));  // the selector
        break;
    }
    if (!two_byte && op >= 0xa0 && op <= 0xa3) {  // MOV with moffs32: [disp32], AL/eAX
        out.rm = kMemOperand;
        out.reg = 0;
        out.disp = static_cast<int32_t>(c.take(4));
    }
    if (!c.ok) return finish(DecodeStatus::Truncated);
    out.len = static_cast<uint8_t>(c.pos);
    out.op = en.op;
    if (!two_byte && (op == 0xd0 || op == 0xd1)) out.imm = 1;

    // Forms the tables cannot express.
    bool ud = false;
    if (addr16) ud = true;  // 16-bit addressing: not implemented in this slice
    if (!two_byte && (op == 0x8f || op == 0xc6 || op == 0xc7) && out.reg != 0) ud = true;
    if ((out.op == Op::Lea || out.op == Op::Cmpxchg8b) && !out.memory()) ud = true;
    switch (out.op) {
    case Op::Lgdt: case Op::Lidt: case Op::Sgdt: case Op::Sidt: case Op::Invlpg:
        if (!out.memory()) ud = true;  // 0F 01 with mod = 3 encodes other (later) instructions
        break;
    case Op::JmpFar: case Op::CallFar:
        if (en.modrm && !out.memory()) ud = true;  // FF /3, /5 need m16:32
        break;
    case Op::MovToCr: case Op::MovFromCr:
        // The r/m field is always a general register, whatever mod says (SDM MOV-Move to/from
        // Control Registers); CR1 and CR5-CR7 are #UD.
        if (out.reg == 1 || out.reg > 4) ud = true;
        out.size = 4;
        break;
    case Op::MovToSreg:
        if (out.reg == kCs || out.reg > kGs) ud = true;
        break;
    case Op::MovFromSreg:
        if (out.reg > kGs) ud = true;
        if (out.memory()) out.size = 2;  // a memory destination is always 16 bits
        break;
    case Op::Sldt: case Op::Str: case Op::Lldt: case Op::Ltr:
        if (out.memory()) out.size = 2;
        break;
    default: break;
    }
    // Branches with a 16-bit operand size truncate EIP to 16 bits: not implemented (GCC never emits them).
    switch (out.op) {
    case Op::CallRel: case Op::CallRm: case Op::Ret: case Op::JmpRel: case Op::JmpRm: case Op::Jcc:
    case Op::Loop: case Op::Loope: case Op::Loopne: case Op::Jecxz: case Op::Enter: case Op::Leave:
    case Op::Pusha: case Op::Popa: case Op::Pushf: case Op::Popf:
    case Op::JmpFar: case Op::CallFar: case Op::RetFar: case Op::Iret:
        if (out.prefix & kOpsize) ud = true;
        break;
    default: break;
    }
    // LOCK: #UD unless the instruction is lockable and its destination is memory (SDM Vol. 2, LOCK).
    if ((out.prefix & kLock) && !(en.lockable && out.memory())) ud = true;
    if (ud) out.op = Op::Ud;
    return DecodeStatus::Ok;
}

const char* op_name(Op op) {
    static constexpr const char* kNames[] = {
        "ud", "alu rm,r", "alu r,rm", "alu rm,imm", "test rm,r", "test rm,imm", "inc", "dec", "not", "neg",
        "mul", "imul", "div", "idiv", "imul r,rm", "imul r,rm,imm", "shift imm", "shift cl", "shld imm",
        "shld cl", "shrd imm", "shrd cl", "mov rm,r", "mov r,rm", "mov rm,imm", "movzx", "movsx", "lea",
        "xchg", "nop", "push", "push imm", "pop", "pusha", "popa", "pushf", "popf", "sahf", "lahf",
        "call rel", "call rm", "ret", "jmp rel", "jmp rm", "jcc", "setcc", "loop", "loope", "loopne",
        "jecxz", "cwde", "cdq", "bt r", "bt imm", "bsf", "bsr", "bswap", "cmpxchg", "xadd", "cmpxchg8b",
        "movs", "stos", "lods", "cmps", "scas", "enter", "leave", "hlt", "clc", "stc", "cmc", "cld", "std",
        "lgdt", "lidt", "sgdt", "sidt", "ltr", "str", "lldt", "sldt", "mov cr,r", "mov r,cr", "mov sreg,rm",
        "mov rm,sreg", "push sreg", "pop sreg", "jmp far", "call far", "ret far", "invlpg", "int", "int3",
        "into", "iret", "cli", "sti", "cpuid", "rdtsc", "in", "out", "clts", "wbinvd",
    };
    static_assert(sizeof kNames / sizeof kNames[0] == static_cast<size_t>(Op::Wbinvd) + 1, "one name per Op");
    return kNames[static_cast<size_t>(op)];
}

}  // namespace vmsim::x86::iss
