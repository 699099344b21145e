// Instruction decoding for the 32-bit x86 ISS: protected mode, 32-bit code segment (D = 1), flat
// segments. One decode turns the bytes at an address into an `Insn` the executor dispatches on; the
// ISS caches it by physical address (iss.hpp), so decoding is off the hot path.
//
// Encodings are those of the Intel SDM, Volume 2 (Appendix A, opcode maps; 2.1 instruction format).
// The decoder normalises forms that differ only in encoding, so that the executor has one case each:
//  - accumulator-immediate ALU/TEST forms (04, A8, ...) become the r/m-immediate form with rm = EAX;
//  - register-in-opcode forms (40-5F, 91-97, B0-BF, 0F C8-CF) become r/m register forms;
//  - MOV with a moffs32 (A0-A3) becomes MOV with the memory operand [disp32];
//  - D0/D1 (shift by 1) become shift-by-immediate with imm = 1.
// What the subset does not contain decodes as Op::Ud (#UD): everything a Pentium lacks (CMOV,
// the 0F 1F multi-byte NOP, MMX, SSE), x87, and what is not implemented (INS/OUTS, BCD, LAR/LSL/
// VERR/VERW, SMSW/LMSW, the 67 address-size prefix, 16-bit far transfers). See README.md, "ISS".
#pragma once
#include <cstddef>
#include <cstdint>

namespace vmsim::x86::iss {

// One enumerator per executor case. Comments give the normalised operand form; `sub` selects the
// variant where one is listed.
enum class Op : uint8_t {
    Ud,          // #UD (undefined, or outside the implemented subset)
    AluRmReg,    // rm = rm OP reg; sub: 0 add 1 or 2 adc 3 sbb 4 and 5 sub 6 xor 7 cmp (ModRM.reg of 80-83)
    AluRegRm,    // reg = reg OP rm
    AluRmImm,    // rm = rm OP imm
    TestRmReg,   // flags of rm AND reg
    TestRmImm,   // flags of rm AND imm
    Inc, Dec, Not, Neg,   // rm
    Mul, Imul1, Div, Idiv,  // F6/F7 /4-/7: accumulator with rm
    ImulRegRm,   // reg = reg * rm (0F AF)
    ImulRegRmImm,  // reg = rm * imm (69, 6B)
    ShiftImm,    // rm shifted by imm; sub: 0 rol 1 ror 2 rcl 3 rcr 4 shl 5 shr 6 sal(=shl) 7 sar
    ShiftCl,     // rm shifted by CL; sub as ShiftImm
    ShldImm, ShldCl, ShrdImm, ShrdCl,  // rm, reg
    MovRmReg, MovRegRm, MovRmImm,
    Movzx, Movsx,  // reg = extend(rm); sub: source size in bytes (1 or 2)
    Lea,
    Xchg,        // rm <-> reg
    Nop,         // 90, F3 90 (PAUSE), F3 0F 1E FB (ENDBR32: a deliberate deviation, see README.md)
    Push,        // rm (register forms 50-57 normalised)
    PushImm,
    Pop,         // rm
    Pusha, Popa, Pushf, Popf, Sahf, Lahf,
    CallRel, CallRm, Ret,  // Ret: imm = bytes to release
    JmpRel, JmpRm,
    Jcc,         // sub: condition (SDM Table B-1 tttn), imm: displacement
    Setcc,       // sub: condition
    Loop, Loope, Loopne, Jecxz,  // imm: displacement
    Cwde,        // 98: CBW with 66
    Cdq,         // 99: CWD with 66
    BtReg, BtImm,  // sub: 0 bt 1 bts 2 btr 3 btc
    Bsf, Bsr, Bswap,
    Cmpxchg, Xadd, Cmpxchg8b,
    Movs, Stos, Lods, Cmps, Scas,  // size: element size; prefix: kRep / kRepne
    Enter,       // imm: frame size (16 bits), sub: nesting level (0-31)
    Leave, Hlt,
    Clc, Stc, Cmc, Cld, Std,
    // System instructions (iss_system.cpp). Names shared with the Pentium timing model's cost table.
    Lgdt, Lidt, Sgdt, Sidt,  // 0F 01 /2 /3 /0 /1: memory operand (6 bytes)
    Ltr, Str, Lldt, Sldt,    // 0F 00 /3 /1 /2 /0
    MovToCr, MovFromCr,      // 0F 22, 0F 20: reg = CR number, rm = the general register
    MovToSreg, MovFromSreg,  // 8E, 8C: reg = Sreg
    PushSreg, PopSreg,       // sub: Sreg (06 0E 16 1E 0F A0 0F A8; 07 17 1F 0F A1 0F A9)
    JmpFar, CallFar,         // EA/9A (imm = offset, disp = selector) or FF /5, FF /3 (m16:32)
    RetFar,                  // CB, CA: imm = bytes to release
    Invlpg,                  // 0F 01 /7
    Int, Int3, Into, Iret,   // CD ib (imm = vector), CC, CE, CF
    Cli, Sti,
    Cpuid, Rdtsc,
    In, Out,                 // sub 0: port in imm (E4-E7); sub 1: port in DX (EC-EF); size 1, 2 or 4
    Clts,                    // 0F 06
    Wbinvd,                  // 0F 09 (WBINVD), 0F 08 (INVD): no caches modelled, so no effect
};

// Prefix bits of Insn::prefix.
inline constexpr uint8_t kRep = 1;      // F3 (REP/REPE)
inline constexpr uint8_t kRepne = 2;    // F2
inline constexpr uint8_t kLock = 4;     // F0
inline constexpr uint8_t kOpsize = 8;   // 66

// Segment-register numbers (Insn::seg, and Sreg operands): the SDM's Sreg encoding. Under flat
// segments an override changes no address.
enum Seg : uint8_t { kEs, kCs, kSs, kDs, kFs, kGs, kNoSeg = 0xff };

inline constexpr uint8_t kNoReg = 8;       // Insn::base / index: none
inline constexpr uint8_t kMemOperand = 8;  // Insn::rm: the r/m operand is memory
inline constexpr unsigned kMaxInsnBytes = 15;  // SDM Vol. 2, 2.3.11: longer is #GP(0)

struct Insn {
    Op op = Op::Ud;
    uint8_t len = 0;     // bytes, prefixes included
    uint8_t size = 4;    // operand size in bytes: 1, 2 or 4
    uint8_t sub = 0;     // variant (see Op)
    uint8_t reg = 0;     // ModRM.reg: a register operand
    uint8_t rm = 0;      // register number, or kMemOperand
    uint8_t base = kNoReg, index = kNoReg, scale = 0;  // memory operand: base + (index << scale) + disp
    uint8_t prefix = 0;  // kRep | kRepne | kLock | kOpsize
    uint8_t seg = kNoSeg;
    int32_t disp = 0;
    uint32_t imm = 0;    // immediate (sign- or zero-extended as the instruction defines) or displacement
    bool memory() const { return rm == kMemOperand; }
};

enum class DecodeStatus : uint8_t {
    Ok,         // an instruction (Op::Ud included: the CPU raises #UD when it executes it)
    Truncated,  // the bytes ended before the instruction did: fetch more and decode again
    TooLong,    // more than 15 bytes: #GP(0)
};

// Decodes the instruction at bytes[0, avail). Pure: the same bytes give the same Insn.
DecodeStatus decode(const uint8_t* bytes, size_t avail, Insn& out);

const char* op_name(Op op);

}  // namespace vmsim::x86::iss
