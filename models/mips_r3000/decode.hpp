// Instruction decoding: each 32-bit word is decoded once, when its physical page
// is first executed, into a compact form the run loop dispatches on.
#pragma once
#include <array>
#include <cstdint>

namespace vmsim::r3000 {

// One enumerator per line of insn_list.def, in its order.
enum class Op : uint8_t {
#define R3000_INSN(name, ...) name,
#include "models/mips_r3000/insn_list.def"
};
inline constexpr unsigned kNumOps = 0
#define R3000_INSN(name, ...) +1
#include "models/mips_r3000/insn_list.def"
    ;

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

// The assembler mnemonic of an operation ("addiu"; "nop", "reserved" for the two
// the decoder makes).
const char* op_name(Op op);

}  // namespace vmsim::r3000
