#include "models/mips_r3000/decode.hpp"

namespace vmsim::r3000 {
namespace {

constexpr uint8_t kZeroSink = 32;

uint8_t dest_reg(uint32_t r) { return r == 0 ? kZeroSink : static_cast<uint8_t>(r); }

DecodedInsn special(uint32_t w, uint32_t rs, uint32_t rt, uint32_t rd, uint32_t sa) {
    static constexpr Op kFunct[64] = {
        Op::SLL, Op::RESERVED, Op::SRL, Op::SRA, Op::SLLV, Op::RESERVED, Op::SRLV, Op::SRAV,
        Op::JR, Op::JALR, Op::RESERVED, Op::RESERVED, Op::SYSCALL, Op::BREAK, Op::RESERVED, Op::RESERVED,
        Op::MFHI, Op::MTHI, Op::MFLO, Op::MTLO, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED,
        Op::MULT, Op::MULTU, Op::DIV, Op::DIVU, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED,
        Op::ADD, Op::ADDU, Op::SUB, Op::SUBU, Op::AND, Op::OR, Op::XOR, Op::NOR,
        Op::RESERVED, Op::RESERVED, Op::SLT, Op::SLTU, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED,
        Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED,
        Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED, Op::RESERVED,
    };
    DecodedInsn d;
    d.op = kFunct[w & 0x3f];
    d.rs = static_cast<uint8_t>(rs);
    d.rt = static_cast<uint8_t>(rt);
    d.sa = static_cast<uint8_t>(sa);
    switch (d.op) {
        case Op::JR: case Op::SYSCALL: case Op::BREAK: case Op::MTHI: case Op::MTLO:
        case Op::MULT: case Op::MULTU: case Op::DIV: case Op::DIVU:
            d.dest = 0;
            break;
        case Op::ADD: case Op::SUB:
            d.dest = dest_reg(rd);  // may trap on overflow even when rd is $zero
            break;
        case Op::RESERVED:
            break;
        default:
            d.dest = dest_reg(rd);
            // Pure register writes to $zero have no effect at all.
            if (rd == 0 && d.op != Op::JALR) d.op = Op::NOP, d.dest = 0;
            break;
    }
    return d;
}

}  // namespace

DecodedInsn decode(uint32_t w) {
    const uint32_t opcode = w >> 26;
    const uint32_t rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31;
    const uint32_t sa = (w >> 6) & 31;
    const uint32_t simm = static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(w & 0xffff)));
    const uint32_t zimm = w & 0xffff;

    DecodedInsn d;
    d.rs = static_cast<uint8_t>(rs);
    d.rt = static_cast<uint8_t>(rt);
    switch (opcode) {
        case 0x00: return special(w, rs, rt, rd, sa);
        case 0x01:  // REGIMM: MIPS-I defines rt = 0, 1, 16, 17 only
            d.imm = simm << 2;
            switch (rt) {
                case 0x00: d.op = Op::BLTZ; break;
                case 0x01: d.op = Op::BGEZ; break;
                case 0x10: d.op = Op::BLTZAL; d.dest = 31; break;
                case 0x11: d.op = Op::BGEZAL; d.dest = 31; break;
                default: d.op = Op::RESERVED; break;
            }
            return d;
        case 0x02: d.op = Op::J; d.imm = (w & 0x03ffffff) << 2; return d;
        case 0x03: d.op = Op::JAL; d.imm = (w & 0x03ffffff) << 2; d.dest = 31; return d;
        case 0x04: d.op = Op::BEQ; d.imm = simm << 2; return d;
        case 0x05: d.op = Op::BNE; d.imm = simm << 2; return d;
        case 0x06: d.op = Op::BLEZ; d.imm = simm << 2; return d;
        case 0x07: d.op = Op::BGTZ; d.imm = simm << 2; return d;
        case 0x08: d.op = Op::ADDI; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x09: d.op = Op::ADDIU; d.imm = simm; break;
        case 0x0a: d.op = Op::SLTI; d.imm = simm; break;
        case 0x0b: d.op = Op::SLTIU; d.imm = simm; break;  // sign-extended, compared unsigned
        case 0x0c: d.op = Op::ANDI; d.imm = zimm; break;
        case 0x0d: d.op = Op::ORI; d.imm = zimm; break;
        case 0x0e: d.op = Op::XORI; d.imm = zimm; break;
        case 0x0f: d.op = Op::LUI; d.imm = zimm << 16; break;
        case 0x10:  // COP0
            d.sa = static_cast<uint8_t>(rd);
            if (rs == 0x00) { d.op = Op::MFC0; d.dest = dest_reg(rt); return d; }
            if (rs == 0x04) { d.op = Op::MTC0; return d; }
            if (rs == 0x10) {  // CO
                switch (w & 0x3f) {
                    case 0x01: d.op = Op::TLBR; return d;
                    case 0x02: d.op = Op::TLBWI; return d;
                    case 0x06: d.op = Op::TLBWR; return d;
                    case 0x08: d.op = Op::TLBP; return d;
                    case 0x10: d.op = Op::RFE; return d;
                    default: break;
                }
            }
            d.op = Op::RESERVED;
            return d;
        case 0x11: case 0x12: case 0x13:  // COP1-3
            d.op = Op::COPz; d.sa = static_cast<uint8_t>(opcode & 3); return d;
        case 0x20: d.op = Op::LB; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x21: d.op = Op::LH; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x22: d.op = Op::LWL; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x23: d.op = Op::LW; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x24: d.op = Op::LBU; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x25: d.op = Op::LHU; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x26: d.op = Op::LWR; d.imm = simm; d.dest = dest_reg(rt); return d;
        case 0x28: d.op = Op::SB; d.imm = simm; return d;
        case 0x29: d.op = Op::SH; d.imm = simm; return d;
        case 0x2a: d.op = Op::SWL; d.imm = simm; return d;
        case 0x2b: d.op = Op::SW; d.imm = simm; return d;
        case 0x2e: d.op = Op::SWR; d.imm = simm; return d;
        case 0x31: case 0x32: case 0x33:  // LWCz
        case 0x39: case 0x3a: case 0x3b:  // SWCz
            d.op = Op::COPz; d.sa = static_cast<uint8_t>(opcode & 3); return d;
        default:
            d.op = Op::RESERVED;
            return d;
    }
    // Immediate ALU ops: writes to $zero are no-ops.
    if (rt == 0) return DecodedInsn{Op::NOP, 0, 0, 0, 0, 0};
    d.dest = static_cast<uint8_t>(rt);
    return d;
}

}  // namespace vmsim::r3000
