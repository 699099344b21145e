// The x86 ISS decoder: lengths, operand forms and normalisation, the #UD set, prefixes. Encodings
// are checked against the Intel SDM Vol. 2 (Tables 2-2, 2-3, A-2, A-3) and GNU as output.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "models/x86_64/iss.hpp"

namespace vmsim::x86::iss {
namespace {

Insn dec(std::vector<uint8_t> b) {
    Insn in;
    EXPECT_EQ(decode(b.data(), b.size(), in), DecodeStatus::Ok);
    return in;
}

TEST(IssDecode, GccPaddingNopsDecodeAsLeaOfTheirOwnLength) {
    const Insn four = dec({0x8d, 0x74, 0x26, 0x00});  // lea esi, [esi + eiz*1 + 0]
    EXPECT_EQ(four.op, Op::Lea);
    EXPECT_EQ(four.len, 4);
    EXPECT_EQ(four.base, kEsi);
    EXPECT_EQ(four.index, kNoReg);  // SIB index 100b: none
    const Insn seven = dec({0x8d, 0xb4, 0x26, 0x00, 0x00, 0x00, 0x00});
    EXPECT_EQ(seven.len, 7);
    EXPECT_EQ(dec({0x66, 0x90}).op, Op::Nop);
    EXPECT_EQ(dec({0x66, 0x90}).len, 2);
}

TEST(IssDecode, SibWithBase101AndMod00TakesDisp32WithoutBase) {
    const Insn in = dec({0x8b, 0x04, 0x8d, 0x78, 0x56, 0x34, 0x12});  // mov eax, [ecx*4 + 0x12345678]
    EXPECT_EQ(in.op, Op::MovRegRm);
    EXPECT_EQ(in.base, kNoReg);
    EXPECT_EQ(in.index, kEcx);
    EXPECT_EQ(in.scale, 2);
    EXPECT_EQ(in.disp, 0x12345678);
    EXPECT_EQ(in.len, 7);
}

TEST(IssDecode, EspBaseGoesThroughSib) {
    const Insn in = dec({0x8b, 0x44, 0x24, 0xf8});  // mov eax, [esp - 8]
    EXPECT_EQ(in.base, kEsp);
    EXPECT_EQ(in.index, kNoReg);
    EXPECT_EQ(in.disp, -8);
    EXPECT_EQ(in.len, 4);
}

TEST(IssDecode, Rm101WithMod00IsAbsoluteDisp32) {
    const Insn in = dec({0x89, 0x0d, 0x00, 0x10, 0x00, 0x00});  // mov [0x1000], ecx
    EXPECT_EQ(in.op, Op::MovRmReg);
    EXPECT_TRUE(in.memory());
    EXPECT_EQ(in.base, kNoReg);
    EXPECT_EQ(in.reg, kEcx);
    EXPECT_EQ(in.disp, 0x1000);
}

TEST(IssDecode, MoffsFormBecomesAbsoluteMemoryOperand) {
    const Insn in = dec({0xa1, 0x78, 0x56, 0x34, 0x12});  // mov eax, [0x12345678]
    EXPECT_EQ(in.op, Op::MovRegRm);
    EXPECT_TRUE(in.memory());
    EXPECT_EQ(in.reg, kEax);
    EXPECT_EQ(in.disp, 0x12345678);
    EXPECT_EQ(in.len, 5);
}

TEST(IssDecode, AccumulatorAndRegisterInOpcodeFormsAreNormalised) {
    const Insn add = dec({0x05, 0x01, 0x00, 0x00, 0x00});  // add eax, 1
    EXPECT_EQ(add.op, Op::AluRmImm);
    EXPECT_EQ(add.sub, 0);
    EXPECT_EQ(add.rm, kEax);
    const Insn inc = dec({0x47});  // inc edi
    EXPECT_EQ(inc.op, Op::Inc);
    EXPECT_EQ(inc.rm, kEdi);
    const Insn mov = dec({0xb4, 0x12});  // mov ah, 0x12
    EXPECT_EQ(mov.op, Op::MovRmImm);
    EXPECT_EQ(mov.size, 1);
    EXPECT_EQ(mov.rm, 4);  // AH in the 8-bit register numbering
}

TEST(IssDecode, OperandSizePrefixSelectsSixteenBitImmediate) {
    const Insn in = dec({0x66, 0x05, 0x34, 0x12});  // add ax, 0x1234
    EXPECT_EQ(in.size, 2);
    EXPECT_EQ(in.imm, 0x1234u);
    EXPECT_EQ(in.len, 4);
}

TEST(IssDecode, Imm8IsSignExtended) {
    EXPECT_EQ(dec({0x83, 0xc0, 0xff}).imm, 0xffffffffu);  // add eax, -1
    EXPECT_EQ(dec({0x74, 0xfe}).imm, 0xfffffffeu);        // je .-0
}

TEST(IssDecode, GroupOpcodesDecodeByModrmReg) {
    EXPECT_EQ(dec({0xf7, 0xd8}).op, Op::Neg);
    EXPECT_EQ(dec({0xff, 0xd0}).op, Op::CallRm);
    const Insn shl = dec({0xc1, 0xe0, 0x05});
    EXPECT_EQ(shl.op, Op::ShiftImm);
    EXPECT_EQ(shl.sub, 4);
    EXPECT_EQ(shl.imm, 5u);
    const Insn sar = dec({0xd3, 0xf8});
    EXPECT_EQ(sar.op, Op::ShiftCl);
    EXPECT_EQ(sar.sub, 7);
    const Insn by1 = dec({0xd1, 0xe8});
    EXPECT_EQ(by1.op, Op::ShiftImm);
    EXPECT_EQ(by1.imm, 1u);
    EXPECT_EQ(dec({0xf7, 0xc1, 1, 0, 0, 0}).op, Op::TestRmImm);
    EXPECT_EQ(dec({0xf7, 0xc1, 1, 0, 0, 0}).len, 6);
}

TEST(IssDecode, InstructionsThePentiumLacksAreUndefined) {
    EXPECT_EQ(dec({0x0f, 0x44, 0xc1}).op, Op::Ud);        // cmove eax, ecx (P6)
    EXPECT_EQ(dec({0x0f, 0x1f, 0x00}).op, Op::Ud);        // nopl [eax] (family 6)
    EXPECT_EQ(dec({0x0f, 0x28, 0xc1}).op, Op::Ud);        // movaps (SSE)
    EXPECT_EQ(dec({0x0f, 0x6f, 0xc1}).op, Op::Ud);        // movq mm0, mm1 (MMX)
    EXPECT_EQ(dec({0x0f, 0x0b}).op, Op::Ud);              // ud2
    EXPECT_EQ(dec({0x67, 0x8b, 0x07}).op, Op::Ud);        // 16-bit addressing: not in this slice
}

TEST(IssDecode, Endbr32RunsAsNop) {
    const Insn in = dec({0xf3, 0x0f, 0x1e, 0xfb});
    EXPECT_EQ(in.op, Op::Nop);
    EXPECT_EQ(in.len, 4);
}

TEST(IssDecode, LockNeedsALockableInstructionWithMemoryDestination) {
    EXPECT_EQ(dec({0xf0, 0x01, 0x08}).op, Op::AluRmReg);  // lock add [eax], ecx
    EXPECT_EQ(dec({0xf0, 0x01, 0xc8}).op, Op::Ud);        // lock add eax, ecx
    EXPECT_EQ(dec({0xf0, 0x8b, 0x08}).op, Op::Ud);        // lock mov ecx, [eax]
    EXPECT_EQ(dec({0xf0, 0x39, 0x08}).op, Op::Ud);        // lock cmp [eax], ecx
    EXPECT_EQ(dec({0xf0, 0x0f, 0xb1, 0x0a}).op, Op::Cmpxchg);
    EXPECT_EQ(dec({0xf0, 0x0f, 0xc7, 0x0e}).op, Op::Cmpxchg8b);
}

TEST(IssDecode, SegmentOverrideIsKeptAndRepPrefixRecorded) {
    EXPECT_EQ(dec({0x64, 0x8b, 0x00}).seg, kFs);
    const Insn in = dec({0xf3, 0xa5});
    EXPECT_EQ(in.op, Op::Movs);
    EXPECT_EQ(in.prefix & kRep, kRep);
    EXPECT_EQ(dec({0xf2, 0xf3, 0xae}).prefix & (kRep | kRepne), kRep);  // the last of F2/F3 counts
}

TEST(IssDecode, EnterTakesLevelModulo32) {
    const Insn in = dec({0xc8, 0x10, 0x00, 0x21});
    EXPECT_EQ(in.op, Op::Enter);
    EXPECT_EQ(in.imm, 16u);
    EXPECT_EQ(in.sub, 1);
}

TEST(IssDecode, BytesEndingInsideAnInstructionAskForMore) {
    const uint8_t b[] = {0x8b, 0x84};  // mov eax, [sib + disp32]: the SIB is missing
    Insn in;
    EXPECT_EQ(decode(b, sizeof b, in), DecodeStatus::Truncated);
    const uint8_t c[] = {0xe8, 0x00, 0x00};  // call rel32 with half its displacement
    EXPECT_EQ(decode(c, sizeof c, in), DecodeStatus::Truncated);
}

// System encodings as GNU as emits them (i386.md section 2 lists the main ones).
TEST(IssDecode, SystemInstructionsDecodeToTheirOpsAndLengths) {
    struct Case {
        std::vector<uint8_t> bytes;
        Op op;
        unsigned len;
    } cases[] = {
        {{0x0f, 0x01, 0x15, 0x00, 0x05, 0x00, 0x00}, Op::Lgdt, 7},  // lgdt [0x500]
        {{0x0f, 0x01, 0x18}, Op::Lidt, 3},                          // lidt [eax]
        {{0x0f, 0x01, 0x00}, Op::Sgdt, 3},
        {{0x0f, 0x01, 0x08}, Op::Sidt, 3},
        {{0x0f, 0x01, 0x38}, Op::Invlpg, 3},
        {{0x0f, 0x00, 0xd8}, Op::Ltr, 3},
        {{0x0f, 0x00, 0xc8}, Op::Str, 3},
        {{0x0f, 0x00, 0xd0}, Op::Lldt, 3},
        {{0x0f, 0x22, 0xd8}, Op::MovToCr, 3},     // mov cr3, eax
        {{0x0f, 0x20, 0xe0}, Op::MovFromCr, 3},   // mov eax, cr4
        {{0x8e, 0xd8}, Op::MovToSreg, 2},
        {{0x8c, 0xc8}, Op::MovFromSreg, 2},
        {{0x1e}, Op::PushSreg, 1}, {{0x0f, 0xa8}, Op::PushSreg, 2}, {{0x17}, Op::PopSreg, 1},
        {{0xea, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00}, Op::JmpFar, 7},
        {{0xff, 0x2d, 0x00, 0x06, 0x00, 0x00}, Op::JmpFar, 6},  // ljmp *0x600
        {{0x9a, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00}, Op::CallFar, 7},
        {{0xcb}, Op::RetFar, 1}, {{0xca, 0x08, 0x00}, Op::RetFar, 3},
        {{0xcd, 0x30}, Op::Int, 2}, {{0xcc}, Op::Int3, 1}, {{0xce}, Op::Into, 1}, {{0xcf}, Op::Iret, 1},
        {{0xfa}, Op::Cli, 1}, {{0xfb}, Op::Sti, 1}, {{0x0f, 0xa2}, Op::Cpuid, 2}, {{0x0f, 0x31}, Op::Rdtsc, 2},
        {{0xe4, 0x60}, Op::In, 2}, {{0xed}, Op::In, 1}, {{0xe6, 0x80}, Op::Out, 2}, {{0x66, 0xef}, Op::Out, 2},
        {{0x0f, 0x06}, Op::Clts, 2}, {{0x0f, 0x09}, Op::Wbinvd, 2}, {{0x0f, 0x08}, Op::Wbinvd, 2},
    };
    for (const Case& c : cases) {
        const Insn in = dec(c.bytes);
        EXPECT_EQ(in.op, c.op) << op_name(c.op);
        EXPECT_EQ(in.len, c.len) << op_name(c.op);
    }
}

TEST(IssDecode, FarPointerImmediateKeepsOffsetAndSelector) {
    const Insn in = dec({0xea, 0x78, 0x56, 0x34, 0x12, 0x1b, 0x00});
    EXPECT_EQ(in.imm, 0x12345678u);
    EXPECT_EQ(in.disp, 0x1b);
}

TEST(IssDecode, MovCrIgnoresModAndTakesNoDisplacement) {
    const Insn in = dec({0x0f, 0x22, 0x18});  // mod 00 would be memory; MOV CRn always means a register
    EXPECT_EQ(in.op, Op::MovToCr);
    EXPECT_EQ(in.len, 3);
    EXPECT_EQ(in.reg, 3);
    EXPECT_EQ(in.rm, kEax);
}

TEST(IssDecode, SystemFormsOutsideTheArchitectureAreUd) {
    EXPECT_EQ(dec({0x0f, 0x01, 0xd0}).op, Op::Ud);  // 0F 01 with mod 3 (XGETBV on later CPUs)
    EXPECT_EQ(dec({0x0f, 0x22, 0xc8}).op, Op::Ud);  // mov cr1, eax
    EXPECT_EQ(dec({0x0f, 0x20, 0xe8}).op, Op::Ud);  // mov eax, cr5
    EXPECT_EQ(dec({0x8e, 0xc8}).op, Op::Ud);        // mov cs, eax
    EXPECT_EQ(dec({0x8e, 0xf0}).op, Op::Ud);        // Sreg 6
    EXPECT_EQ(dec({0xff, 0xe8}).op, Op::Ud);        // jmp far with a register operand
    EXPECT_EQ(dec({0x66, 0xcf}).op, Op::Ud);        // 16-bit iret
    EXPECT_EQ(dec({0x0f, 0x00, 0xe0}).op, Op::Ud);  // verr (not implemented)
}

TEST(IssDecode, MoreThanFifteenBytesIsTooLong) {
    std::vector<uint8_t> b(14, 0x66);
    b.insert(b.end(), {0x05, 0x00, 0x00});  // 14 prefixes + add ax, imm16 = 17 bytes
    Insn in;
    EXPECT_EQ(decode(b.data(), b.size(), in), DecodeStatus::TooLong);
    std::vector<uint8_t> ok(14, 0x66);
    ok.push_back(0x90);  // exactly 15
    EXPECT_EQ(decode(ok.data(), ok.size(), in), DecodeStatus::Ok);
    EXPECT_EQ(in.len, 15);
}

}  // namespace
}  // namespace vmsim::x86::iss
