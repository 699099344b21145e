// The decoder against encodings from the tests' own assembler (asm.hpp), which is
// written from the MIPS-I opcode map independently of insn_list.def: a wrong slot,
// operand form or destination in the list shows up here.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "models/mips_r3000/decode.hpp"
#include "asm.hpp"

namespace vmsim::r3000 {
namespace {

using namespace test;

struct Named {
    uint32_t word;
    const char* mnemonic;
};

TEST(Decode, EveryMipsIInstructionDecodesToItsOwnOperation) {
    // Destinations are not $zero, so that none of these decodes as nop.
    const Named kAll[] = {
        {enc::sll(t0, t1, 3), "sll"},       {enc::srl(t0, t1, 3), "srl"},     {enc::sra(t0, t1, 3), "sra"},
        {enc::sllv(t0, t1, t2), "sllv"},    {enc::srlv(t0, t1, t2), "srlv"},  {enc::srav(t0, t1, t2), "srav"},
        {enc::jr(ra), "jr"},                {enc::jalr(ra, t9), "jalr"},      {enc::syscall(5), "syscall"},
        {enc::break_(7), "break"},          {enc::mfhi(t0), "mfhi"},          {enc::mthi(t0), "mthi"},
        {enc::mflo(t0), "mflo"},            {enc::mtlo(t0), "mtlo"},          {enc::mult(t0, t1), "mult"},
        {enc::multu(t0, t1), "multu"},      {enc::div(t0, t1), "div"},        {enc::divu(t0, t1), "divu"},
        {enc::add(t0, t1, t2), "add"},      {enc::addu(t0, t1, t2), "addu"},  {enc::sub(t0, t1, t2), "sub"},
        {enc::subu(t0, t1, t2), "subu"},    {enc::and_(t0, t1, t2), "and"},   {enc::or_(t0, t1, t2), "or"},
        {enc::xor_(t0, t1, t2), "xor"},     {enc::nor(t0, t1, t2), "nor"},    {enc::slt(t0, t1, t2), "slt"},
        {enc::sltu(t0, t1, t2), "sltu"},    {enc::bltz(t0, 4), "bltz"},       {enc::bgez(t0, 4), "bgez"},
        {enc::bltzal(t0, 4), "bltzal"},     {enc::bgezal(t0, 4), "bgezal"},   {enc::j(0x80001000), "j"},
        {enc::jal(0x80001000), "jal"},      {enc::beq(t0, t1, 4), "beq"},     {enc::bne(t0, t1, 4), "bne"},
        {enc::blez(t0, 4), "blez"},         {enc::bgtz(t0, 4), "bgtz"},       {enc::addi(t0, t1, 1), "addi"},
        {enc::addiu(t0, t1, 1), "addiu"},   {enc::slti(t0, t1, 1), "slti"},   {enc::sltiu(t0, t1, 1), "sltiu"},
        {enc::andi(t0, t1, 1), "andi"},     {enc::ori(t0, t1, 1), "ori"},     {enc::xori(t0, t1, 1), "xori"},
        {enc::lui(t0, 1), "lui"},           {enc::mfc0(t0, 12), "mfc0"},      {enc::mtc0(t0, 12), "mtc0"},
        {enc::tlbr(), "tlbr"},              {enc::tlbwi(), "tlbwi"},          {enc::tlbwr(), "tlbwr"},
        {enc::tlbp(), "tlbp"},              {enc::rfe(), "rfe"},              {enc::lb(t0, 4, sp), "lb"},
        {enc::lh(t0, 4, sp), "lh"},         {enc::lwl(t0, 4, sp), "lwl"},     {enc::lw(t0, 4, sp), "lw"},
        {enc::lbu(t0, 4, sp), "lbu"},       {enc::lhu(t0, 4, sp), "lhu"},     {enc::lwr(t0, 4, sp), "lwr"},
        {enc::sb(t0, 4, sp), "sb"},         {enc::sh(t0, 4, sp), "sh"},       {enc::swl(t0, 4, sp), "swl"},
        {enc::sw(t0, 4, sp), "sw"},         {enc::swr(t0, 4, sp), "swr"},
    };
    std::set<std::string> seen;
    for (const Named& n : kAll) {
        EXPECT_STREQ(op_name(decode(n.word).op), n.mnemonic) << std::hex << n.word;
        seen.insert(op_name(decode(n.word).op));
    }
    // All MIPS-I operations, plus copz, nop and reserved.
    EXPECT_EQ(seen.size(), std::size(kAll));
    EXPECT_EQ(kNumOps, std::size(kAll) + 3);
}

TEST(Decode, OperandsLandWhereTheHandlersReadThem) {
    DecodedInsn d = decode(enc::addiu(t0, sp, -8));
    EXPECT_EQ(d.rs, sp);
    EXPECT_EQ(d.dest, t0);
    EXPECT_EQ(d.imm, 0xfffffff8u);  // sign-extended

    EXPECT_EQ(decode(enc::andi(t1, t2, 0x8000)).imm, 0x8000u);  // zero-extended
    d = decode(enc::lui(t3, 0x1234));
    EXPECT_EQ(d.imm, 0x12340000u);
    EXPECT_EQ(d.dest, t3);

    d = decode(enc::sll(t0, t1, 7));
    EXPECT_EQ(d.rt, t1);
    EXPECT_EQ(d.dest, t0);
    EXPECT_EQ(d.sa, 7);

    d = decode(enc::beq(a0, a1, -1));
    EXPECT_EQ(d.rs, a0);
    EXPECT_EQ(d.rt, a1);
    EXPECT_EQ(d.imm, 0xfffffffcu);  // byte offset
    EXPECT_EQ(d.dest, 0);
    EXPECT_EQ(decode(enc::bgezal(t0, 2)).dest, ra);

    d = decode(enc::jal(0x80001234));
    EXPECT_EQ(d.imm, 0x00001234u);  // index << 2; the region comes from the delay slot
    EXPECT_EQ(d.dest, ra);

    d = decode(enc::mfc0(t0, 12));
    EXPECT_EQ(d.sa, 12);
    EXPECT_EQ(d.dest, t0);
    d = decode(enc::mtc0(t1, 10));
    EXPECT_EQ(d.sa, 10);
    EXPECT_EQ(d.rt, t1);
    EXPECT_EQ(d.dest, 0);

    d = decode(enc::sw(t0, 16, sp));
    EXPECT_EQ(d.rs, sp);
    EXPECT_EQ(d.rt, t0);
    EXPECT_EQ(d.imm, 16u);
    EXPECT_EQ(d.dest, 0);
}

TEST(Decode, PureWritesToZeroAreNopButTrapsJumpsAndLoadsAreNot) {
    for (uint32_t w : {enc::nop(), enc::addu(zero, t0, t1), enc::addiu(zero, t0, 1), enc::lui(zero, 1),
                       enc::mfhi(zero), enc::sltiu(zero, t0, 1)})
        EXPECT_EQ(decode(w).op, Op::NOP) << std::hex << w;
    // These keep their effect (a trap, a jump, a load's exceptions, mfc0's delay)
    // and write the sink register 32 instead.
    const Named kKept[] = {{enc::add(zero, t0, t1), "add"},   {enc::addi(zero, t0, 1), "addi"},
                           {enc::jalr(zero, t9), "jalr"},     {enc::lw(zero, 0, sp), "lw"},
                           {enc::mfc0(zero, 12), "mfc0"}};
    for (const Named& n : kKept) {
        const DecodedInsn d = decode(n.word);
        EXPECT_STREQ(op_name(d.op), n.mnemonic);
        EXPECT_EQ(d.dest, 32) << n.mnemonic;
    }
}

TEST(Decode, EncodingsOutsideMipsIAreReserved) {
    const uint32_t kWords[] = {
        enc::mul_mips32(t0, t1, t2), enc::movz_mips4(t0, t1, t2), enc::movn_mips4(t0, t1, t2),
        enc::beql_mips2(t0, t1, 4),
        enc::i_type(enc::kRegimm, t0, 0x02, 4),  // bltzl
        0x42000018u,                             // eret (COP0 CO, funct 0x18)
        0x42200001u,                             // COP0 rs = 0x11
        0xc0000000u,                             // lwc0
        0xfc000000u,                             // opcode 0x3f
    };
    for (uint32_t w : kWords) EXPECT_EQ(decode(w).op, Op::RESERVED) << std::hex << w;
}

TEST(Decode, CoprocessorOneToThreeOperationsCarryTheCoprocessorNumber) {
    const struct {
        uint32_t word;
        unsigned cop;
    } kCases[] = {{0x44000000u, 1}, {0x48000000u, 2}, {0x4c000000u, 3},  // COPz
                  {0xc4000000u, 1}, {0xc8000000u, 2}, {0xcc000000u, 3},  // LWCz
                  {0xe4000000u, 1}, {0xe8000000u, 2}, {0xec000000u, 3}}; // SWCz
    for (const auto& c : kCases) {
        const DecodedInsn d = decode(c.word);
        EXPECT_EQ(d.op, Op::COPz) << std::hex << c.word;
        EXPECT_EQ(d.sa, c.cop) << std::hex << c.word;
    }
}

}  // namespace
}  // namespace vmsim::r3000
