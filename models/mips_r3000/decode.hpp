// Instruction decoding: each 32-bit word is decoded once, when its physical page
// is first executed, into a compact form the run loop dispatches on.
#pragma once
#include <array>
#include <cstdint>

namespace vmsim::r3000 {

enum class Op : uint8_t {
    // SPECIAL
    SLL, SRL, SRA, SLLV, SRLV, SRAV, JR, JALR, SYSCALL, BREAK,
    MFHI, MTHI, MFLO, MTLO, MULT, MULTU, DIV, DIVU,
    ADD, ADDU, SUB, SUBU, AND, OR, XOR, NOR, SLT, SLTU,
    // REGIMM
    BLTZ, BGEZ, BLTZAL, BGEZAL,
    // jumps and branches
    J, JAL, BEQ, BNE, BLEZ, BGTZ,
    // immediate ALU
    ADDI, ADDIU, SLTI, SLTIU, ANDI, ORI, XORI, LUI,
    // coprocessor 0
    MFC0, MTC0, TLBR, TLBWI, TLBWR, TLBP, RFE,
    // coprocessor 1-3 (no coprocessor present: CpU, or RI when enabled)
    COPz,
    // loads and stores
    LB, LH, LWL, LW, LBU, LHU, LWR, SB, SH, SWL, SW, SWR,
    NOP,       // sll $0,$0,0 and other writes to $zero without side effects
    RESERVED,  // reserved or MIPS32-only encoding: RI
};

struct DecodedInsn {
    Op op = Op::RESERVED;
    uint8_t rs = 0, rt = 0;  // source register numbers
    uint8_t dest = 0;        // register written (32 = $zero sink, 0 = none)
    uint8_t sa = 0;          // shift amount, CP0 register, or coprocessor number
    uint32_t imm = 0;        // extended immediate, branch byte offset, or jump index << 2
};

inline constexpr unsigned kInsnsPerPage = 1024;

struct DecodedPage {
    std::array<DecodedInsn, kInsnsPerPage> insns;
};

// Architectural decode of one instruction word (pure function).
DecodedInsn decode(uint32_t word);

}  // namespace vmsim::r3000
