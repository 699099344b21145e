// The x86 ISS with paging on, through models/x86_64's Mmu (32-bit paging, as on a Pentium): page
// faults reach the ISS as #PF with CR2 and the error code, leave the instruction restartable, and
// the decoded-instruction cache is keyed by physical address.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "models/x86_64/iss.hpp"
#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::iss {
namespace {

using x86::test::Format;
using x86::test::K4;
using x86::test::P;
using x86::test::RW;
using x86::test::US;

// Code at linear 0x400000 (physical 0x10000), data at linear 0x800000 (physical 0x20000), the page
// after the data not mapped; stack at linear 0xc00000 (physical 0x30000).
struct PagedMachine {
    static constexpr uint32_t kCodeLa = 0x400000, kDataLa = 0x800000, kStackLa = 0xc00000;
    PagedMachine() : m(MmuConfig{}, Format::Legacy), memory(m.mmu, m.ram), cpu(memory) {
        m.pt.map(kCodeLa, 0x10000, K4);
        m.pt.map(kDataLa, 0x20000, K4);
        m.pt.map(kStackLa, 0x30000, K4);
        m.enable();
        cpu.set_eip(kCodeLa);
        cpu.set_reg(kEsp, kStackLa + 0x800);
    }
    void code(const std::vector<uint8_t>& b) { std::memcpy(m.ram.data() + 0x10000, b.data(), b.size()); }
    uint32_t phys_word(uint64_t pa) {
        uint32_t v = 0;
        m.ram.read32(pa, v);
        return v;
    }

    x86::test::Machine m;
    MmuMemory memory;
    Cpu<MmuMemory> cpu;
};

TEST(IssPaging, LoadsAndStoresGoThroughThePageTables) {
    PagedMachine p;
    p.code({0x89, 0x0b, 0x8b, 0x43, 0x04});  // mov [ebx], ecx; mov eax, [ebx+4]
    p.cpu.set_reg(kEbx, PagedMachine::kDataLa + 0x10);
    p.cpu.set_reg(kEcx, 0xcafe);
    p.m.ram.write32(0x20014, 0xbeef);
    ASSERT_EQ(p.cpu.step().stop, Stop::None);
    ASSERT_EQ(p.cpu.step().stop, Stop::None);
    EXPECT_EQ(p.phys_word(0x20010), 0xcafeu);
    EXPECT_EQ(p.cpu.reg(kEax), 0xbeefu);
}

TEST(IssPaging, StoreToUnmappedPageRaisesPfWithCr2AndWriteErrorCode) {
    PagedMachine p;
    p.code({0x89, 0x0b});  // mov [ebx], ecx
    const uint32_t target = PagedMachine::kDataLa + K4 + 8;  // the unmapped page after the data
    p.cpu.set_reg(kEbx, target);
    const StepResult r = p.cpu.step();
    EXPECT_EQ(r.stop, Stop::Exception);
    EXPECT_EQ(r.vector, kVecPf);
    EXPECT_TRUE(r.has_error_code);
    EXPECT_EQ(r.error_code, kPfW);  // not present, write, supervisor
    EXPECT_EQ(p.cpu.cr2(), target);
    EXPECT_EQ(p.m.mmu.cr2(), target);
    EXPECT_EQ(p.cpu.eip(), PagedMachine::kCodeLa);  // restartable
}

TEST(IssPaging, UnalignedStoreFaultingOnItsSecondPageWritesNothing) {
    PagedMachine p;
    p.code({0x89, 0x0b});  // mov [ebx], ecx
    const uint32_t target = PagedMachine::kDataLa + K4 - 2;  // two bytes mapped, two not
    p.cpu.set_reg(kEbx, target);
    p.cpu.set_reg(kEcx, 0xffffffff);
    const StepResult r = p.cpu.step();
    EXPECT_EQ(r.vector, kVecPf);
    EXPECT_EQ(p.cpu.cr2(), PagedMachine::kDataLa + K4);  // the first byte that faults
    EXPECT_EQ(p.phys_word(0x20ffc), 0u);
}

TEST(IssPaging, FaultingInstructionChangesNoRegister) {
    PagedMachine p;
    p.code({0x5b, 0x8f, 0x00});  // pop ebx ... then pop [eax] with EAX unmapped
    p.cpu.set_reg(kEax, 0x100000);  // not mapped
    ASSERT_EQ(p.cpu.step().stop, Stop::None);
    const uint32_t esp = p.cpu.reg(kEsp);
    const StepResult r = p.cpu.step();
    EXPECT_EQ(r.vector, kVecPf);
    EXPECT_EQ(p.cpu.reg(kEsp), esp);  // the pop's increment is undone
    EXPECT_EQ(p.cpu.eip(), PagedMachine::kCodeLa + 1);
}

TEST(IssPaging, RepMovsFaultingMidwayKeepsCompletedIterations) {
    PagedMachine p;
    p.code({0xf3, 0xa5});  // rep movsd
    p.cpu.set_reg(kEsi, PagedMachine::kStackLa);
    p.cpu.set_reg(kEdi, PagedMachine::kDataLa + K4 - 8);  // room for two dwords
    p.cpu.set_reg(kEcx, 5);
    const StepResult r = p.cpu.step();
    EXPECT_EQ(r.vector, kVecPf);
    EXPECT_EQ(p.cpu.reg(kEcx), 3u);
    EXPECT_EQ(p.cpu.reg(kEdi), PagedMachine::kDataLa + K4);
    EXPECT_EQ(p.cpu.eip(), PagedMachine::kCodeLa);  // restarts with the remaining count
}

TEST(IssPaging, SupervisorWriteToReadOnlyPageIsAProtectionFault) {
    PagedMachine p;
    p.m.pt.map(PagedMachine::kDataLa, 0x20000, K4, P | US);  // read-only now
    p.m.mmu.invlpg(PagedMachine::kDataLa);
    p.code({0x89, 0x0b});  // mov [ebx], ecx
    p.cpu.set_reg(kEbx, PagedMachine::kDataLa);
    const StepResult r = p.cpu.step();
    EXPECT_EQ(r.vector, kVecPf);
    EXPECT_EQ(r.error_code, kPfP | kPfW);  // CR0.WP = 1: supervisor writes honour R/W
}

TEST(IssPaging, InstructionFetchFromUnmappedPageFaultsWithItsAddress) {
    PagedMachine p;
    p.code({0xe9, 0xfb, 0x0f, 0x00, 0x00});  // jmp kCodeLa + 0x1000 (not mapped)
    ASSERT_EQ(p.cpu.step().stop, Stop::None);
    const StepResult r = p.cpu.step();
    EXPECT_EQ(r.vector, kVecPf);
    EXPECT_EQ(p.cpu.cr2(), PagedMachine::kCodeLa + K4);
    EXPECT_EQ(r.error_code, 0u);  // not present, read (32-bit paging has no I/D bit)
}

TEST(IssPaging, DecodeCacheIsKeyedByPhysicalAddress) {
    PagedMachine p;
    // The same physical code page at a second linear address: its instructions are not decoded again.
    p.m.pt.map(0x1000000, 0x10000, K4);
    p.code({0x40, 0xe9, 0xfa, 0xff, 0xbf, 0x00});  // inc eax; jmp 0x1000000
    ASSERT_EQ(p.cpu.step().stop, Stop::None);
    ASSERT_EQ(p.cpu.step().stop, Stop::None);
    EXPECT_EQ(p.cpu.eip(), 0x1000000u);
    ASSERT_EQ(p.cpu.step().stop, Stop::None);  // inc eax again, through the alias
    EXPECT_EQ(p.cpu.reg(kEax), 2u);
    EXPECT_EQ(p.cpu.decode_cache().decodes(), 2u);
}

}  // namespace
}  // namespace vmsim::x86::iss
