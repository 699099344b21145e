#include "models/mips_r3000/decode.hpp"

#include <initializer_list>
#include <iterator>

namespace vmsim::r3000 {
namespace {

// The columns of insn_list.def (described there).
enum class Field : uint8_t { Opcode, Special, Regimm, Cop0, Cop0Co, None };
enum class Operands : uint8_t { Shift, Simm, Zimm, Upper, Branch, Jump, Cp0Reg, CopNum, None };
enum class Dest : uint8_t { Rd, RdPure, Rt, RtPure, Ra, None };

struct InsnInfo {
    const char* mnemonic;
    Field field;
    Operands operands;
    Dest dest;
};

constexpr InsnInfo kInsns[] = {
#define R3000_INSN(name, mnemonic, field, operands, dest, slots) \
    {mnemonic, Field::field, Operands::operands, Dest::dest},
#include "models/mips_r3000/insn_list.def"
};
static_assert(std::size(kInsns) == kNumOps);

// The opcodes, and the COP0 rs value, that select a second-level table.
constexpr unsigned kOpSpecial = 0x00, kOpRegimm = 0x01, kOpCop0 = 0x10, kCop0RsCo = 0x10;

// Field value -> Op, one table per Field, built from the slots column.
struct DecodeTables {
    std::array<Op, 64> opcode{}, special{}, cop0co{};
    std::array<Op, 32> regimm{}, cop0{};
    // Cleared when two instructions claim one slot, a slot is out of range, an
    // instruction without an encoding has one, or one claims a second-level escape.
    bool ok = true;
};

template <size_t N>
constexpr void clear(std::array<Op, N>& table) {
    for (auto& op : table) op = Op::RESERVED;
}

template <size_t N>
constexpr void claim(std::array<Op, N>& table, unsigned slot, Op op, bool& ok) {
    if (slot >= N || table[slot] != Op::RESERVED) {
        ok = false;
        return;
    }
    table[slot] = op;
}

constexpr void claim(DecodeTables& t, Field field, unsigned slot, Op op) {
    switch (field) {
        case Field::Opcode: claim(t.opcode, slot, op, t.ok); break;
        case Field::Special: claim(t.special, slot, op, t.ok); break;
        case Field::Regimm: claim(t.regimm, slot, op, t.ok); break;
        case Field::Cop0: claim(t.cop0, slot, op, t.ok); break;
        case Field::Cop0Co: claim(t.cop0co, slot, op, t.ok); break;
        case Field::None: t.ok = false; break;
    }
}

constexpr DecodeTables build_tables() {
    DecodeTables t;
    clear(t.opcode), clear(t.special), clear(t.cop0co), clear(t.regimm), clear(t.cop0);
#define R3000_UNPAREN(...) __VA_ARGS__
#define R3000_INSN(name, mnemonic, field, operands, dest, slots) \
    for (unsigned slot : std::initializer_list<unsigned>{R3000_UNPAREN slots}) claim(t, Field::field, slot, Op::name);
#include "models/mips_r3000/insn_list.def"
#undef R3000_UNPAREN
    t.ok = t.ok && t.opcode[kOpSpecial] == Op::RESERVED && t.opcode[kOpRegimm] == Op::RESERVED &&
           t.opcode[kOpCop0] == Op::RESERVED && t.cop0[kCop0RsCo] == Op::RESERVED;
    return t;
}

constexpr DecodeTables kTables = build_tables();
static_assert(kTables.ok, "insn_list.def: an encoding slot is claimed twice, out of range or a table escape");

constexpr uint8_t kZeroSink = 32;

uint8_t dest_reg(uint32_t r) { return r == 0 ? kZeroSink : static_cast<uint8_t>(r); }

}  // namespace

DecodedInsn decode(uint32_t w) {
    const uint32_t opcode = w >> 26;
    const uint32_t rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31;
    const uint32_t funct = w & 0x3f;
    Op op;
    switch (opcode) {
        case kOpSpecial: op = kTables.special[funct]; break;
        case kOpRegimm: op = kTables.regimm[rt]; break;
        case kOpCop0: op = rs == kCop0RsCo ? kTables.cop0co[funct] : kTables.cop0[rs]; break;
        default: op = kTables.opcode[opcode]; break;
    }
    const InsnInfo& info = kInsns[static_cast<unsigned>(op)];

    DecodedInsn d;
    d.op = op;
    d.rs = static_cast<uint8_t>(rs);
    d.rt = static_cast<uint8_t>(rt);
    const uint32_t simm = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(w & 0xffff)));
    switch (info.operands) {
        case Operands::Shift: d.sa = static_cast<uint8_t>((w >> 6) & 31); break;
        case Operands::Simm: d.imm = simm; break;
        case Operands::Zimm: d.imm = w & 0xffff; break;
        case Operands::Upper: d.imm = (w & 0xffff) << 16; break;
        case Operands::Branch: d.imm = simm << 2; break;
        case Operands::Jump: d.imm = (w & 0x03ffffff) << 2; break;
        case Operands::Cp0Reg: d.sa = static_cast<uint8_t>(rd); break;
        case Operands::CopNum: d.sa = static_cast<uint8_t>(opcode & 3); break;
        case Operands::None: break;
    }
    switch (info.dest) {
        case Dest::Rd: d.dest = dest_reg(rd); break;
        case Dest::Rt: d.dest = dest_reg(rt); break;
        case Dest::Ra: d.dest = 31; break;
        // A pure register write to $zero has no effect at all.
        case Dest::RdPure:
            if (rd == 0) return DecodedInsn{Op::NOP, 0, 0, 0, 0, 0};
            d.dest = static_cast<uint8_t>(rd);
            break;
        case Dest::RtPure:
            if (rt == 0) return DecodedInsn{Op::NOP, 0, 0, 0, 0, 0};
            d.dest = static_cast<uint8_t>(rt);
            break;
        case Dest::None: break;
    }
    return d;
}

const char* op_name(Op op) {
    const auto i = static_cast<unsigned>(op);
    return i < kNumOps ? kInsns[i].mnemonic : "?";
}

}  // namespace vmsim::r3000
