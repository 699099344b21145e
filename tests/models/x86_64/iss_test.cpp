// The x86 ISS executor, rule by rule (Intel SDM Vol. 2 instruction entries), paging off. Expected
// values are worked out from the SDM's definitions in the comments, not taken from a run.
#include <gtest/gtest.h>

#include "tests/models/x86_64/iss_machine.hpp"

namespace vmsim::x86::iss::test {
namespace {

constexpr uint32_t kAll = kArithFlags;

TEST(IssFlags, ShldByZeroLeavesFlagsAndDestination) {
    FlatMachine m;
    m.code({0x0f, 0xa4, 0xc1, 0x00});  // shld ecx, eax, 0
    m.cpu.set_reg(kEcx, 0x12345678);
    m.cpu.set_reg(kEax, 0xffffffff);
    m.cpu.set_eflags(kCf | kOf | kZf | kPf);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEcx), 0x12345678u);
    EXPECT_EQ(m.cpu.eflags() & kAll, kCf | kOf | kZf | kPf);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode + 4);
}

TEST(IssFlags, ShldByOneSetsOverflowWhenTheSignChanges) {
    FlatMachine m;
    m.code({0x0f, 0xa4, 0xc1, 0x01});  // shld ecx, eax, 1
    m.cpu.set_reg(kEcx, 0x40000000);
    m.cpu.set_reg(kEax, 0x80000000);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEcx), 0x80000001u);  // ecx << 1 | top bit of eax
    EXPECT_EQ(m.cpu.eflags() & (kCf | kOf | kSf | kZf), kOf | kSf);  // bit out 0; sign 0 -> 1
}

TEST(IssFlags, ShrdFillsFromSourceAndCarriesTheLastBitOut) {
    FlatMachine m;
    m.code({0x0f, 0xac, 0xc1, 0x04});  // shrd ecx, eax, 4
    m.cpu.set_reg(kEcx, 0x0000001f);
    m.cpu.set_reg(kEax, 0x0000000a);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEcx), 0xa0000001u);
    EXPECT_TRUE(m.cpu.eflags() & kCf);  // bit 3 of 0x1f
}

TEST(IssFlags, IncAndDecLeaveCarryAlone) {
    FlatMachine m;
    m.code({0x40, 0x49});  // inc eax; dec ecx
    m.cpu.set_reg(kEax, 0xffffffff);
    m.cpu.set_reg(kEcx, 0);
    m.cpu.set_eflags(kCf);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 0u);
    EXPECT_EQ(m.cpu.eflags() & kAll, kCf | kZf | kPf | kAf);  // carry out of bit 3 too
    m.cpu.set_eflags(0);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEcx), 0xffffffffu);
    EXPECT_EQ(m.cpu.eflags() & kCf, 0u);
    EXPECT_TRUE(m.cpu.eflags() & kSf);
}

// The arithmetic flags are computed when read (iss.hpp, Cpu::fl): nothing reads them between these
// instructions, so each carry comes from an ALU result whose flags were never settled.
TEST(IssFlags, CarryPassesThroughIncDecIntoAdcAndSbbUnread) {
    FlatMachine m;
    m.code({0x01, 0xd8,         // add eax, ebx: 0xffffffff + 1 = 0, CF = 1
            0x41,               // inc ecx: CF stays 1
            0x83, 0xd2, 0x00,   // adc edx, 0: 10 + 0 + 1 = 11, CF = 0
            0x29, 0xde,         // sub esi, ebx: 0 - 1 = 0xffffffff, CF = 1
            0x4f,               // dec edi: 1 - 1 = 0, CF stays 1, ZF = 1
            0x83, 0xdd, 0x00,   // sbb ebp, 0: 7 - 0 - 1 = 6, CF = 0
            0x49});             // dec ecx: 6 - 1 = 5, CF stays 0
    m.cpu.set_reg(kEax, 0xffffffff);
    m.cpu.set_reg(kEbx, 1);
    m.cpu.set_reg(kEcx, 5);
    m.cpu.set_reg(kEdx, 10);
    m.cpu.set_reg(kEsi, 0);
    m.cpu.set_reg(kEdi, 1);
    m.cpu.set_reg(kEbp, 7);
    m.steps(7);
    EXPECT_EQ(m.cpu.reg(kEdx), 11u);
    EXPECT_EQ(m.cpu.reg(kEbp), 6u);
    EXPECT_EQ(m.cpu.reg(kEcx), 5u);
    // dec 6 -> 5: CF kept from sbb (0); 6 ^ 1 ^ 5 = 2: no AF; 5 = 0b101: even parity
    EXPECT_EQ(m.cpu.eflags() & kAll, kPf);
}

// Jcc on ZF and SF reads an unsettled ALU result directly (iss.cpp, cond): taken and not taken.
TEST(IssFlags, JumpsOnZeroAndSignOfAnUnreadResult) {
    FlatMachine m;
    m.code({0x49,         // 0: dec ecx (1 -> 0: ZF = 1)
            0x74, 0x02,   // 1: jz 5 (taken)
            0x90, 0x90,   // 3: skipped
            0x48,         // 5: dec eax (0 -> 0xffffffff: SF = 1)
            0x78, 0x01,   // 6: js 9 (taken)
            0x90,         // 8: skipped
            0x40,         // 9: inc eax (-> 0: ZF = 1, SF = 0)
            0x75, 0x05,   // 10: jnz 17 (not taken)
            0x79, 0x03}); // 12: jns 17 (taken)
    m.cpu.set_reg(kEcx, 1);
    m.cpu.set_reg(kEax, 0);
    m.steps(7);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode + 17);
}

TEST(IssFlags, AddSetsAuxiliaryCarryAndSignedOverflow) {
    FlatMachine m;
    m.code({0x04, 0x01});  // add al, 1
    m.cpu.set_reg(kEax, 0x7f);
    m.steps(1);
    // 0x7f + 1 = 0x80: signed overflow, sign, carry out of bit 3, one bit set (odd parity).
    EXPECT_EQ(m.cpu.eflags() & kAll, kOf | kSf | kAf);
}

TEST(IssFlags, SbbSubtractsTheBorrow) {
    FlatMachine m;
    m.code({0x19, 0xc8});  // sbb eax, ecx
    m.cpu.set_reg(kEax, 5);
    m.cpu.set_reg(kEcx, 5);
    m.cpu.set_eflags(kCf);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 0xffffffffu);
    EXPECT_EQ(m.cpu.eflags() & (kCf | kZf | kSf), kCf | kSf);
}

TEST(IssFlags, NegSetsCarryUnlessTheOperandIsZero) {
    FlatMachine m;
    m.code({0xf7, 0xd8, 0xf7, 0xd9});  // neg eax; neg ecx
    m.cpu.set_reg(kEax, 0);
    m.cpu.set_reg(kEcx, 1);
    m.steps(1);
    EXPECT_EQ(m.cpu.eflags() & (kCf | kZf), kZf);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEcx), 0xffffffffu);
    EXPECT_EQ(m.cpu.eflags() & (kCf | kZf), kCf);
}

TEST(IssFlags, LogicalOperationsClearCarryOverflowAndAuxiliary) {
    FlatMachine m;
    m.code({0x21, 0xc8});  // and eax, ecx
    m.cpu.set_reg(kEax, 0x80000003);
    m.cpu.set_reg(kEcx, 0x80000001);
    m.cpu.set_eflags(kCf | kOf | kAf);
    m.steps(1);
    EXPECT_EQ(m.cpu.eflags() & kAll, kSf);  // result 0x80000001: low byte has one bit (odd)
}

TEST(IssShift, CountIsMaskedToFiveBits) {
    FlatMachine m;
    m.code({0xc1, 0xe0, 0x21});  // shl eax, 33 -> shl eax, 1
    m.cpu.set_reg(kEax, 0x80000001);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 2u);
    EXPECT_TRUE(m.cpu.eflags() & kCf);
}

TEST(IssShift, ShiftByZeroLeavesFlags) {
    FlatMachine m;
    m.code({0xd3, 0xe0});  // shl eax, cl
    m.cpu.set_reg(kEax, 5);
    m.cpu.set_reg(kEcx, 0x20);  // masked to 0
    m.cpu.set_eflags(kCf | kZf);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 5u);
    EXPECT_EQ(m.cpu.eflags() & kAll, kCf | kZf);
}

TEST(IssShift, SarKeepsTheSign) {
    FlatMachine m;
    m.code({0xc1, 0xf8, 0x04});  // sar eax, 4
    m.cpu.set_reg(kEax, 0x80000018);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 0xf8000001u);
    EXPECT_TRUE(m.cpu.eflags() & kCf);  // bit 3 of 0x18
    EXPECT_FALSE(m.cpu.eflags() & kOf);
}

TEST(IssShift, ByteRotateByMultipleOfEightStillSetsCarry) {
    FlatMachine m;
    m.code({0xc0, 0xc0, 0x08});  // rol al, 8
    m.cpu.set_reg(kEax, 0x01);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 1u);
    EXPECT_TRUE(m.cpu.eflags() & kCf);  // CF = LSB of the result (SDM ROL: the masked count is 8, not 0)
}

TEST(IssShift, RclRotatesThroughCarry) {
    FlatMachine m;
    m.code({0xd0, 0xd0});  // rcl al, 1
    m.cpu.set_reg(kEax, 0x80);
    m.cpu.set_eflags(kCf);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax) & 0xff, 0x01u);
    EXPECT_TRUE(m.cpu.eflags() & kCf);
    EXPECT_TRUE(m.cpu.eflags() & kOf);  // MSB(result) 0 XOR CF 1
}

TEST(IssMulDiv, MulSetsCarryWhenTheHighHalfIsNonzero) {
    FlatMachine m;
    m.code({0xf7, 0xe1, 0xf7, 0xe1});  // mul ecx; mul ecx
    m.cpu.set_reg(kEax, 0x10000);
    m.cpu.set_reg(kEcx, 0x10000);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEdx), 1u);
    EXPECT_EQ(m.cpu.reg(kEax), 0u);
    EXPECT_EQ(m.cpu.eflags() & (kCf | kOf), kCf | kOf);
    m.cpu.set_reg(kEax, 3);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEdx), 0u);
    EXPECT_EQ(m.cpu.eflags() & (kCf | kOf), 0u);
}

TEST(IssMulDiv, ImulThreeOperandOverflowsWhenTheProductDoesNotFit) {
    FlatMachine m;
    m.code({0x69, 0xc1, 0x00, 0x00, 0x01, 0x00, 0x6b, 0xd1, 0xff});  // imul eax, ecx, 0x10000; imul edx, ecx, -1
    m.cpu.set_reg(kEcx, 0x8000);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 0x80000000u);
    EXPECT_EQ(m.cpu.eflags() & (kCf | kOf), kCf | kOf);  // +2^31 does not fit a signed 32-bit value
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEdx), 0xffff8000u);
    EXPECT_EQ(m.cpu.eflags() & (kCf | kOf), 0u);
}

TEST(IssMulDiv, DivideOverflowRaisesDeAndChangesNothing) {
    FlatMachine m;
    m.code({0xf7, 0xf1});  // div ecx
    m.cpu.set_reg(kEdx, 1);
    m.cpu.set_reg(kEax, 0);
    m.cpu.set_reg(kEcx, 1);  // quotient 2^32
    m.cpu.set_eflags(kZf);
    const StepResult r = m.step();
    EXPECT_EQ(r.stop, Stop::Exception);
    EXPECT_EQ(r.vector, kVecDe);
    EXPECT_FALSE(r.has_error_code);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode);  // a fault: EIP at the instruction
    EXPECT_EQ(m.cpu.reg(kEdx), 1u);
    EXPECT_EQ(m.cpu.reg(kEax), 0u);
    EXPECT_EQ(m.cpu.instructions(), 0u);
}

TEST(IssMulDiv, DivideByZeroRaisesDe) {
    FlatMachine m;
    m.code({0xf6, 0xf1});  // div cl
    m.cpu.set_reg(kEax, 100);
    m.cpu.set_reg(kEcx, 0);
    EXPECT_EQ(m.step().vector, kVecDe);
}

TEST(IssMulDiv, IdivOfMostNegativeByMinusOneRaisesDe) {
    FlatMachine m;
    m.code({0xf7, 0xf9});  // idiv ecx
    m.cpu.set_reg(kEdx, 0xffffffff);
    m.cpu.set_reg(kEax, 0x80000000);
    m.cpu.set_reg(kEcx, 0xffffffff);
    const StepResult r = m.step();
    EXPECT_EQ(r.stop, Stop::Exception);
    EXPECT_EQ(r.vector, kVecDe);
}

TEST(IssMulDiv, IdivTruncatesTowardZero) {
    FlatMachine m;
    m.code({0xf7, 0xf9});  // idiv ecx
    m.cpu.set_reg(kEdx, 0xffffffff);
    m.cpu.set_reg(kEax, static_cast<uint32_t>(-7));
    m.cpu.set_reg(kEcx, 2);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), static_cast<uint32_t>(-3));
    EXPECT_EQ(m.cpu.reg(kEdx), static_cast<uint32_t>(-1));  // the remainder has the dividend's sign
}

TEST(IssString, RepMovsdWithDfSetGoesDown) {
    FlatMachine m;
    m.code({0xfd, 0xf3, 0xa5});  // std; rep movsd
    const uint32_t src = FlatMachine::kData, dst = FlatMachine::kData + 0x100;
    for (uint32_t i = 0; i < 4; ++i) m.set_word(src + 4 * i, 0x1000 + i);
    m.cpu.set_reg(kEsi, src + 8);
    m.cpu.set_reg(kEdi, dst + 8);
    m.cpu.set_reg(kEcx, 3);
    m.steps(2);
    EXPECT_EQ(m.word(dst + 8), 0x1002u);
    EXPECT_EQ(m.word(dst + 4), 0x1001u);
    EXPECT_EQ(m.word(dst + 0), 0x1000u);
    EXPECT_EQ(m.word(dst + 12), 0u);  // nothing above the start
    EXPECT_EQ(m.cpu.reg(kEsi), src - 4);
    EXPECT_EQ(m.cpu.reg(kEdi), dst - 4);
    EXPECT_EQ(m.cpu.reg(kEcx), 0u);
    EXPECT_EQ(m.cpu.instructions(), 2u);  // a REP instruction is one instruction
}

TEST(IssString, RepWithZeroCountDoesNothing) {
    FlatMachine m;
    m.code({0xf3, 0xab});  // rep stosd
    m.cpu.set_reg(kEdi, FlatMachine::kData);
    m.cpu.set_reg(kEax, 0xdeadbeef);
    m.cpu.set_reg(kEcx, 0);
    m.steps(1);
    EXPECT_EQ(m.word(FlatMachine::kData), 0u);
    EXPECT_EQ(m.cpu.reg(kEdi), FlatMachine::kData);
}

TEST(IssString, RepeCmpsbStopsAtTheFirstDifference) {
    FlatMachine m;
    m.code({0xf3, 0xa6});  // repe cmpsb
    std::memcpy(m.mem.data() + FlatMachine::kData, "abcX", 4);
    std::memcpy(m.mem.data() + FlatMachine::kData + 0x10, "abcY", 4);
    m.cpu.set_reg(kEsi, FlatMachine::kData);
    m.cpu.set_reg(kEdi, FlatMachine::kData + 0x10);
    m.cpu.set_reg(kEcx, 10);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEcx), 6u);  // four comparisons, the fourth unequal
    EXPECT_EQ(m.cpu.reg(kEsi), FlatMachine::kData + 4);
    EXPECT_FALSE(m.cpu.eflags() & kZf);
    EXPECT_TRUE(m.cpu.eflags() & kCf);  // 'X' < 'Y'
}

TEST(IssString, RepneScasbFindsTheByte) {
    FlatMachine m;
    m.code({0xf2, 0xae});  // repne scasb
    std::memcpy(m.mem.data() + FlatMachine::kData, "hello", 6);
    m.cpu.set_reg(kEdi, FlatMachine::kData);
    m.cpu.set_reg(kEax, 0);  // find the terminating zero
    m.cpu.set_reg(kEcx, 0xffffffff);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEdi), FlatMachine::kData + 6);
    EXPECT_EQ(~m.cpu.reg(kEcx) - 1, 5u);  // the strlen idiom
    EXPECT_TRUE(m.cpu.eflags() & kZf);
}

TEST(IssBits, BsfOfZeroSetsZfAndKeepsTheDestination) {
    FlatMachine m;
    m.code({0x0f, 0xbc, 0xc1, 0x0f, 0xbd, 0xd3});  // bsf eax, ecx; bsr edx, ebx
    m.cpu.set_reg(kEax, 0x1234);
    m.cpu.set_reg(kEcx, 0);
    m.cpu.set_reg(kEbx, 0x00f00100);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 0x1234u);
    EXPECT_TRUE(m.cpu.eflags() & kZf);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEdx), 23u);
    EXPECT_FALSE(m.cpu.eflags() & kZf);
}

TEST(IssBits, BtWithRegisterOffsetReachesBeyondTheOperand) {
    FlatMachine m;
    m.code({0x0f, 0xab, 0x03, 0x0f, 0xa3, 0x03});  // bts [ebx], eax; bt [ebx], eax
    m.cpu.set_reg(kEbx, FlatMachine::kData + 0x10);
    m.cpu.set_reg(kEax, static_cast<uint32_t>(-1));  // bit 31 of the dword below
    m.steps(1);
    EXPECT_EQ(m.word(FlatMachine::kData + 0xc), 0x80000000u);
    EXPECT_FALSE(m.cpu.eflags() & kCf);  // the old bit
    m.steps(1);
    EXPECT_TRUE(m.cpu.eflags() & kCf);
}

TEST(IssBits, BswapReversesBytes) {
    FlatMachine m;
    m.code({0x0f, 0xc9});  // bswap ecx
    m.cpu.set_reg(kEcx, 0x11223344);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEcx), 0x44332211u);
}

TEST(IssAtomics, CmpxchgStoresOnEqualAndLoadsTheAccumulatorOtherwise) {
    FlatMachine m;
    m.code({0xf0, 0x0f, 0xb1, 0x0b, 0xf0, 0x0f, 0xb1, 0x0b});  // lock cmpxchg [ebx], ecx (twice)
    m.cpu.set_reg(kEbx, FlatMachine::kData);
    m.set_word(FlatMachine::kData, 7);
    m.cpu.set_reg(kEax, 7);
    m.cpu.set_reg(kEcx, 9);
    m.steps(1);
    EXPECT_EQ(m.word(FlatMachine::kData), 9u);
    EXPECT_TRUE(m.cpu.eflags() & kZf);
    m.steps(1);  // EAX 7 != 9
    EXPECT_EQ(m.cpu.reg(kEax), 9u);
    EXPECT_FALSE(m.cpu.eflags() & kZf);
}

TEST(IssAtomics, Cmpxchg8bComparesEdxEax) {
    FlatMachine m;
    m.code({0x0f, 0xc7, 0x0e});  // cmpxchg8b [esi]
    m.cpu.set_reg(kEsi, FlatMachine::kData);
    m.set_word(FlatMachine::kData, 1);
    m.set_word(FlatMachine::kData + 4, 2);
    m.cpu.set_reg(kEax, 1);
    m.cpu.set_reg(kEdx, 2);
    m.cpu.set_reg(kEbx, 3);
    m.cpu.set_reg(kEcx, 4);
    m.steps(1);
    EXPECT_EQ(m.word(FlatMachine::kData), 3u);
    EXPECT_EQ(m.word(FlatMachine::kData + 4), 4u);
    EXPECT_TRUE(m.cpu.eflags() & kZf);
}

TEST(IssAtomics, XaddExchangesThenAdds) {
    FlatMachine m;
    m.code({0x0f, 0xc1, 0x0b});  // xadd [ebx], ecx
    m.cpu.set_reg(kEbx, FlatMachine::kData);
    m.set_word(FlatMachine::kData, 10);
    m.cpu.set_reg(kEcx, 5);
    m.steps(1);
    EXPECT_EQ(m.word(FlatMachine::kData), 15u);
    EXPECT_EQ(m.cpu.reg(kEcx), 10u);
}

TEST(IssStack, PushEspPushesItsValueBeforeTheDecrement) {
    FlatMachine m;
    m.code({0x54});  // push esp
    m.steps(1);
    EXPECT_EQ(m.word(FlatMachine::kStackTop - 4), FlatMachine::kStackTop);
    EXPECT_EQ(m.cpu.reg(kEsp), FlatMachine::kStackTop - 4);
}

TEST(IssStack, PopToEspRelativeMemoryUsesTheIncrementedEsp) {
    FlatMachine m;
    m.code({0x8f, 0x04, 0x24});  // pop [esp]
    m.set_word(FlatMachine::kStackTop, 0xabcd);
    m.steps(1);
    EXPECT_EQ(m.word(FlatMachine::kStackTop + 4), 0xabcdu);
    EXPECT_EQ(m.cpu.reg(kEsp), FlatMachine::kStackTop + 4);
}

TEST(IssStack, PopaSkipsTheSavedEsp) {
    FlatMachine m;
    m.code({0x60, 0x31, 0xc0, 0x61});  // pusha; xor eax, eax; popa
    for (unsigned r = 0; r < 8; ++r)
        if (r != kEsp) m.cpu.set_reg(r, 0x100 + r);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEsp), FlatMachine::kStackTop - 32);
    EXPECT_EQ(m.word(FlatMachine::kStackTop - 4), 0x100u);              // EAX pushed first
    EXPECT_EQ(m.word(FlatMachine::kStackTop - 20), FlatMachine::kStackTop);  // the original ESP
    m.set_word(FlatMachine::kStackTop - 20, 0x12345678);  // POPA must ignore it
    m.steps(2);
    EXPECT_EQ(m.cpu.reg(kEax), 0x100u);
    EXPECT_EQ(m.cpu.reg(kEdi), 0x107u);
    EXPECT_EQ(m.cpu.reg(kEsp), FlatMachine::kStackTop);
}

TEST(IssStack, PopfWritesOnlyWritableFlags) {
    FlatMachine m;
    m.code({0x9d, 0x9c});  // popf; pushf
    m.set_word(FlatMachine::kStackTop, ~kTf);  // every bit but TF (which would single-step)
    m.steps(2);
    // CF, bit 1, PF, AF, ZF, SF, IF, DF, OF, IOPL, NT, AC, ID: not the reserved bits 3, 5, 15, 22-31,
    // not RF (bit 16) or VM (17), not VIF/VIP (19, 20), which POPF leaves alone (SDM POPF).
    EXPECT_EQ(m.word(FlatMachine::kStackTop), 0x00247ed7u);
}

TEST(IssStack, EnterWithLevelOneAndLeave) {
    FlatMachine m;
    m.code({0xc8, 0x10, 0x00, 0x01, 0xc9});  // enter 16, 1; leave
    m.cpu.set_reg(kEbp, 0x5555);
    m.steps(1);
    const uint32_t frame = FlatMachine::kStackTop - 4;
    EXPECT_EQ(m.word(frame), 0x5555u);      // old EBP
    EXPECT_EQ(m.word(frame - 4), frame);    // level 1: the new frame pointer
    EXPECT_EQ(m.cpu.reg(kEbp), frame);
    EXPECT_EQ(m.cpu.reg(kEsp), frame - 4 - 16);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEbp), 0x5555u);
    EXPECT_EQ(m.cpu.reg(kEsp), FlatMachine::kStackTop);
}

TEST(IssBranch, CallPushesTheReturnAddressAndRetImmReleasesArguments) {
    FlatMachine m;
    m.code({0xe8, 0x03, 0x00, 0x00, 0x00, 0x90, 0x90, 0x90, 0xc2, 0x08, 0x00});  // call +3; ...; ret 8
    m.steps(1);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode + 8);
    EXPECT_EQ(m.word(FlatMachine::kStackTop - 4), FlatMachine::kCode + 5);
    m.steps(1);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode + 5);
    EXPECT_EQ(m.cpu.reg(kEsp), FlatMachine::kStackTop + 8);
}

TEST(IssBranch, IndirectJumpThroughATable) {
    FlatMachine m;
    m.code({0xff, 0x24, 0x85, 0x00, 0x00, 0x02, 0x00});  // jmp [eax*4 + 0x20000]
    m.set_word(FlatMachine::kData + 8, 0x4321);
    m.cpu.set_reg(kEax, 2);
    m.steps(1);
    EXPECT_EQ(m.cpu.eip(), 0x4321u);
}

TEST(IssBranch, LoopDecrementsEcxWithoutTouchingFlags) {
    FlatMachine m;
    m.code({0xe2, 0xfe});  // loop .
    m.cpu.set_reg(kEcx, 3);
    m.cpu.set_eflags(kZf);
    m.steps(3);
    EXPECT_EQ(m.cpu.reg(kEcx), 0u);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode + 2);  // fell through on the third
    EXPECT_EQ(m.cpu.eflags() & kAll, kZf);
}

TEST(IssBranch, SignedConditionsUseSfXorOf) {
    FlatMachine m;
    m.code({0x39, 0xc8, 0x0f, 0x9c, 0xc2});  // cmp eax, ecx; setl dl
    m.cpu.set_reg(kEax, 0x80000000);  // INT_MIN < 1, though the subtraction overflows
    m.cpu.set_reg(kEcx, 1);
    m.cpu.set_reg(kEdx, 0xffffffff);
    m.steps(2);
    EXPECT_EQ(m.cpu.reg(kEdx), 0xffffff01u);  // SETcc writes one byte
}

TEST(IssControl, HltStopsPastTheInstruction) {
    FlatMachine m;
    m.code({0x90, 0xf4});
    const StepResult r = m.cpu.run(10);
    EXPECT_EQ(r.stop, Stop::Halt);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode + 2);
    EXPECT_EQ(m.cpu.instructions(), 2u);
}

TEST(IssControl, UndefinedOpcodeRaisesUdAtTheInstruction) {
    FlatMachine m;
    m.code({0x0f, 0x44, 0xc1});  // cmove: not on a Pentium
    const StepResult r = m.step();
    EXPECT_EQ(r.stop, Stop::Exception);
    EXPECT_EQ(r.vector, kVecUd);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode);
}

TEST(IssControl, InstructionLongerThanFifteenBytesRaisesGp) {
    FlatMachine m;
    Bytes b(15, 0x66);
    b.push_back(0x90);
    m.code(b);
    const StepResult r = m.step();
    EXPECT_EQ(r.vector, kVecGp);
    EXPECT_TRUE(r.has_error_code);
    EXPECT_EQ(r.error_code, 0u);
}

TEST(IssMemory, UnalignedAccessAcrossAPageBoundaryUsesBothPages) {
    FlatMachine m;
    m.code({0x8b, 0x03, 0x89, 0x4b, 0x04});  // mov eax, [ebx]; mov [ebx+4], ecx
    const uint32_t a = FlatMachine::kData + 0xffe;
    m.set_word(a, 0x11223344);
    m.cpu.set_reg(kEbx, a);
    m.cpu.set_reg(kEcx, 0xa1b2c3d4);
    m.steps(2);
    EXPECT_EQ(m.cpu.reg(kEax), 0x11223344u);
    EXPECT_EQ(m.word(a + 4), 0xa1b2c3d4u);
}

TEST(IssMemory, ReferenceOutsideMemoryStopsWithBusError) {
    FlatMachine m;
    m.code({0x8b, 0x03});  // mov eax, [ebx]
    m.cpu.set_reg(kEbx, 0x40000000);
    const StepResult r = m.step();
    EXPECT_EQ(r.stop, Stop::Bus);
    EXPECT_EQ(r.bus_pa, 0x40000000u);
}

// ---- the decoded-instruction cache ----------------------------------------------------------------

TEST(IssDecodeCache, StoreIntoADecodedInstructionIsSeenNextTime) {
    FlatMachine m;
    // 0x1000: mov eax, 1 ; mov byte [0x1001], 2 ; jmp 0x1000
    m.code({0xb8, 0x01, 0x00, 0x00, 0x00, 0xc6, 0x05, 0x01, 0x10, 0x00, 0x00, 0x02, 0xeb, 0xf2});
    m.steps(3);
    EXPECT_EQ(m.cpu.reg(kEax), 1u);
    EXPECT_EQ(m.cpu.eip(), FlatMachine::kCode);
    EXPECT_EQ(m.cpu.decode_cache().invalidations(), 1u);
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 2u);
}

TEST(IssDecodeCache, StoreNextToCodeKeepsTheDecodedInstructions) {
    FlatMachine m;
    // mov [0x1100], eax ; jmp back: the store hits the code's page but no decoded byte.
    m.code({0xa3, 0x00, 0x11, 0x00, 0x00, 0xeb, 0xf9});
    m.steps(4);
    EXPECT_EQ(m.cpu.decode_cache().invalidations(), 0u);
    EXPECT_EQ(m.cpu.decode_cache().decodes(), 2u);  // each instruction decoded once
}

TEST(IssDecodeCache, InstructionCrossingAPageBoundaryRunsUncached) {
    FlatMachine m;
    m.code({0xb8, 0x78, 0x56, 0x34, 0x12}, 0x1ffd);  // mov eax, 0x12345678 across 0x2000
    m.steps(1);
    EXPECT_EQ(m.cpu.reg(kEax), 0x12345678u);
    EXPECT_EQ(m.cpu.eip(), 0x2002u);
    EXPECT_EQ(m.cpu.decode_cache().decodes(), 0u);
}

}  // namespace
}  // namespace vmsim::x86::iss::test
