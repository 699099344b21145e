// The i386 platform (models/x86_64/pc.hpp): the 8259A and 8254 by their datasheets' rules, and the
// machine's run loop: console, debug exit, HLT woken by IRQ 0 (time jumps to the timer edge), HLT
// that nothing can wake, a triple fault's message.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "models/x86_64/pc.hpp"

namespace vmsim::x86::pc {
namespace {

using Bytes = std::vector<uint8_t>;

// ---- 8259A --------------------------------------------------------------------------------------

Pic initialised_pic(uint8_t mask) {
    Pic p;
    p.write(0, 0x11);  // ICW1: edge, cascade, ICW4 follows
    p.write(1, 0x20);  // ICW2: vectors 0x20-0x27
    p.write(1, 0x04);  // ICW3
    p.write(1, 0x01);  // ICW4: 8086 mode, normal EOI
    p.write(1, mask);  // OCW1
    return p;
}

TEST(Pic, MaskedRequestWaitsInIrrUntilUnmasked) {
    Pic p = initialised_pic(0xff);
    p.raise(0);
    EXPECT_FALSE(p.intr());
    EXPECT_EQ(p.requests(), 1u);
    p.write(1, 0xfe);
    EXPECT_TRUE(p.intr());
}

TEST(Pic, AcknowledgeReturnsBasePlusIrqAndHoldsSamePriorityUntilEoi) {
    Pic p = initialised_pic(0x00);
    p.raise(0);
    EXPECT_EQ(p.acknowledge(), 0x20);
    EXPECT_EQ(p.in_service(), 1u);
    p.raise(0);
    EXPECT_FALSE(p.intr());  // IRQ 0 is in service
    p.write(0, 0x20);        // non-specific EOI
    EXPECT_TRUE(p.intr());
    EXPECT_EQ(p.acknowledge(), 0x20);
}

TEST(Pic, LowerNumberedIrqHasPriorityAndPreemptsALowerOneInService) {
    Pic p = initialised_pic(0x00);
    p.raise(3);
    p.raise(1);
    EXPECT_EQ(p.acknowledge(), 0x21);
    p.write(0, 0x20);
    EXPECT_EQ(p.acknowledge(), 0x23);
    p.raise(1);
    EXPECT_TRUE(p.intr());  // IRQ 1 outranks IRQ 3 in service
    p.raise(5);
    EXPECT_EQ(p.acknowledge(), 0x21);
    EXPECT_FALSE(p.intr());  // IRQ 5 waits for both EOIs
}

TEST(Pic, Ocw3SelectsIsrOrIrrForReads) {
    Pic p = initialised_pic(0x00);
    p.raise(2);
    EXPECT_EQ(p.read(0), 0x04);  // IRR after initialisation
    p.acknowledge();
    p.write(0, 0x0b);  // OCW3: read ISR
    EXPECT_EQ(p.read(0), 0x04);
    EXPECT_EQ(p.read(1), 0x00);  // IMR
}

// ---- 8254 ---------------------------------------------------------------------------------------

TEST(Pit, RateGeneratorEdgesEveryCountTicksFromTheTickAfterTheWrite) {
    Pit t;
    t.write(3, 0x34, 10);  // channel 0, LSB then MSB, mode 2
    t.write(0, 100, 10);
    t.write(0, 0, 10);
    EXPECT_EQ(t.next_edge(10), 111u);  // counting starts at tick 11
    EXPECT_EQ(t.next_edge(111), 211u);
    EXPECT_EQ(t.next_edge(150), 211u);
}

TEST(Pit, LatchedCountReadsLowThenHighByte) {
    Pit t;
    t.write(3, 0x36, 0);  // mode 3
    t.write(0, 0x00, 0);
    t.write(0, 0x01, 0);  // 256
    t.write(3, 0x00, 51);  // latch at tick 51: 50 ticks counted
    EXPECT_EQ(t.read(0, 60), 256 - 50);
    EXPECT_EQ(t.read(0, 60), 0);
}

TEST(Pit, ModeZeroEdgesOnceAndAControlWordStopsTheCounter) {
    Pit t;
    t.write(3, 0x30, 0);
    t.write(0, 10, 0);
    t.write(0, 0, 0);
    EXPECT_EQ(t.next_edge(0), 11u);
    EXPECT_EQ(t.next_edge(11), Pit::kNever);
    t.write(3, 0x34, 20);
    EXPECT_EQ(t.next_edge(20), Pit::kNever);
}

// ---- the machine --------------------------------------------------------------------------------

uint64_t seg_desc(uint32_t limit, uint8_t access) {
    return (limit & 0xffff) | (uint64_t{access} << 40) | (uint64_t{(limit >> 16) & 0xf} << 48) | (uint64_t{0xc} << 52);
}

// Code at 1 MB after a GDT (0x1000) and an IDT (0x2000) whose vector 0x20 is an interrupt gate to
// a handler at 0x3000: inc ebx; EOI; iret.
struct PcMachine {
    static constexpr uint32_t kCode = 0x100000;
    PcMachine() {
        uint8_t* m = pc.ram().data();
        const uint64_t gdt[3] = {0, seg_desc(0xfffff, 0x9a), seg_desc(0xfffff, 0x92)};
        std::memcpy(m + 0x1000, gdt, sizeof gdt);
        const uint64_t g = 0x3000 | (uint64_t{0x08} << 16) | (uint64_t{0x8e} << 40);
        std::memcpy(m + 0x2000 + 8 * 0x20, &g, 8);
        const uint8_t handler[] = {0x43, 0xb0, 0x20, 0xe6, 0x20, 0xcf};
        std::memcpy(m + 0x3000, handler, sizeof handler);
        const uint8_t ptrs[] = {0x17, 0, 0x00, 0x10, 0, 0,    // GDT: limit 0x17, base 0x1000
                                0xff, 0x07, 0x00, 0x20, 0, 0, // IDT: 256 gates at 0x2000
                                0, 0, 0, 0, 0, 0,             // 0x50c: unused
                                0, 0, 0x00, 0x20, 0, 0};      // 0x512: IDT limit 0
        std::memcpy(m + 0x500, ptrs, sizeof ptrs);
    }
    // lgdt; lidt; mov esp, 0x80000 (ESP is undefined at a Multiboot entry); then `body`.
    void program(const Bytes& body, bool empty_idt = false) {
        Bytes b = {0x0f, 0x01, 0x15, 0x00, 0x05, 0x00, 0x00, 0x0f, 0x01, 0x1d,
                   static_cast<uint8_t>(empty_idt ? 0x12 : 0x06), 0x05, 0x00, 0x00, 0xbc, 0x00, 0x00, 0x08, 0x00};
        b.insert(b.end(), body.begin(), body.end());
        ASSERT_TRUE(pc.load(kCode, b.data(), b.size(), b.size()));
        pc.boot_multiboot(kCode);
    }
    Pc pc;
};

// PIC at vector 0x20 with mask `mask`; PIT channel 0 in mode 2 with count 11932 (100 Hz).
Bytes timer_setup(uint8_t mask) {
    return {0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21,
            0xb0, mask, 0xe6, 0x21, 0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40, 0xb0, 0x2e, 0xe6, 0x40};
}

TEST(PcRun, ConsoleBytesAndDebugExitValue) {
    PcMachine m;
    m.program({0x66, 0xba, 0xf8, 0x03, 0xb0, 'h', 0xee, 0xb0, 'i', 0xee,  // mov dx, 0x3f8; out 'h'; out 'i'
               0xb8, 0x07, 0x00, 0x00, 0x00, 0xe7, 0xf4, 0xf4});           // mov eax, 7; out 0xf4, eax
    const Pc::Result r = m.pc.run(1000);
    ASSERT_EQ(r.kind, Pc::Result::Exit) << r.message;
    EXPECT_EQ(r.exit_value, 7u);
    EXPECT_EQ(m.pc.console(), "hi");
}

TEST(PcRun, BaudRateDivisorWritesAreNotConsoleOutput) {
    // A guest that programs the UART: LCR = 0x80 (DLAB), divisor 1 at 0x3F8/0x3F9, LCR = 0x03
    // (8N1, DLAB off), then 'k' to THR. Only 'k' is output (the divisor byte 1 is not).
    PcMachine m;
    m.program({0x66, 0xba, 0xfb, 0x03, 0xb0, 0x80, 0xee,  // mov dx, 0x3fb; out 0x80
               0x66, 0xba, 0xf8, 0x03, 0xb0, 0x01, 0xee,  // mov dx, 0x3f8; out 1 (DLL)
               0x66, 0xba, 0xfb, 0x03, 0xb0, 0x03, 0xee,  // mov dx, 0x3fb; out 3
               0x66, 0xba, 0xf8, 0x03, 0xb0, 'k', 0xee,   // mov dx, 0x3f8; out 'k'
               0xb8, 0x00, 0x00, 0x00, 0x00, 0xe7, 0xf4, 0xf4});
    const Pc::Result r = m.pc.run(1000);
    ASSERT_EQ(r.kind, Pc::Result::Exit) << r.message;
    EXPECT_EQ(m.pc.console(), "k");
}

TEST(PcRun, MultibootEntryStateFollowsTheContract) {
    PcMachine m;
    m.program({0xf4});
    auto& cpu = m.pc.cpu();
    EXPECT_EQ(cpu.reg(iss::kEax), 0x2badb002u);
    EXPECT_EQ(cpu.reg(iss::kEbx), Pc::kMultibootInfo);
    EXPECT_EQ(cpu.eip(), PcMachine::kCode);
    EXPECT_FALSE(cpu.eflags() & iss::kIf);
    EXPECT_EQ(cpu.cpl(), 0u);
    EXPECT_EQ(cpu.cr(0) & (iss::kCr0Pe | kCr0Pg), iss::kCr0Pe);
    uint32_t info[3];
    std::memcpy(info, m.pc.ram().data() + Pc::kMultibootInfo, sizeof info);
    EXPECT_EQ(info[0] & 1, 1u);
    EXPECT_EQ(info[1], 640u);
}

TEST(PcRun, HltIsWokenByIrq0AtTheTimerEdge) {
    PcMachine m;
    Bytes body = timer_setup(0xfe);
    // xor ebx, ebx; sti; hlt; hlt; mov eax, ebx; out 0xf4, eax
    body.insert(body.end(), {0x31, 0xdb, 0xfb, 0xf4, 0xf4, 0x89, 0xd8, 0xe7, 0xf4});
    m.program(body);
    const Pc::Result r = m.pc.run(100000);
    ASSERT_EQ(r.kind, Pc::Result::Exit) << r.message;
    EXPECT_EQ(r.exit_value, 2u);  // two ticks, one per HLT
    // The count was written about 20 instructions in, at PIT tick 0, so counting began at tick 1 and
    // the second edge is tick 1 + 2 * 11932; at 100 MHz a tick is 10^8 / 1193182 cycles.
    const uint64_t second_edge = (uint64_t{1 + 2 * 11932} * 100000000 + 1193181) / 1193182;
    // After the wake-up the timed Pentium spends a few hundred cycles on the delivery (25), the
    // handler's EOI (OUT 24) and IRET (10), the exit's OUT (24) and the I-cache fills (17 each): far
    // less than a period (10^6 cycles), so this was the edge that woke it, not a later one.
    EXPECT_GE(m.pc.cpu().cycles(), second_edge);
    EXPECT_LT(m.pc.cpu().cycles(), second_edge + 1000);
    EXPECT_EQ(m.pc.cpu().interrupts(), 2u);
}

TEST(PcRun, HltWithIrq0MaskedHasNothingToWakeIt) {
    PcMachine m;
    Bytes body = timer_setup(0xff);
    body.insert(body.end(), {0xfb, 0xf4});
    m.program(body);
    const Pc::Result r = m.pc.run(100000);
    EXPECT_EQ(r.kind, Pc::Result::Halted);
    EXPECT_NE(r.message.find("nothing to wake"), std::string::npos) << r.message;
}

TEST(PcRun, HltWithInterruptsDisabledEndsTheRun) {
    PcMachine m;
    m.program({0xfa, 0xf4});
    const Pc::Result r = m.pc.run(100);
    EXPECT_EQ(r.kind, Pc::Result::Halted);
    EXPECT_NE(r.message.find("IF = 0"), std::string::npos) << r.message;
}

TEST(PcRun, TripleFaultEndsTheRunNamingTheThreeExceptions) {
    PcMachine m;
    m.program({0x0f, 0x0b}, true);  // ud2 with an empty IDT
    const Pc::Result r = m.pc.run(100);
    ASSERT_EQ(r.kind, Pc::Result::TripleFault);
    // #UD cannot be delivered (#GP, serially: #UD is benign); #GP cannot (#GP: #DF); #DF cannot (#GP).
    EXPECT_NE(r.message.find("#GP while delivering #GP made #DF, then #GP while delivering #DF"), std::string::npos)
        << r.message;
    EXPECT_NE(r.message.find("(bytes 0f 0b"), std::string::npos) << r.message;  // the instruction that began it
}

TEST(PcRun, SimControlPortsRecordRegionMarks) {
    PcMachine m;
    m.program({0xb8, 0x05, 0x00, 0x00, 0x00, 0x66, 0xba, 0x00, 0x07, 0xef,  // mov eax, 5; mov dx, 0x700; out
               0x66, 0xba, 0x04, 0x07, 0xef, 0xe7, 0xf4});                 // mov dx, 0x704; out; exit
    m.pc.run(100);
    ASSERT_EQ(m.pc.regions().size(), 2u);
    EXPECT_TRUE(m.pc.regions()[0].begin);
    EXPECT_FALSE(m.pc.regions()[1].begin);
    EXPECT_EQ(m.pc.regions()[1].id, 5u);
    // Between the marks (each taken while its OUT executes, before it retires): the first OUT
    // (SystemCosts::out), `mov dx, 0x704` (1 clock + 1 for the 66 prefix), and the I-cache miss of
    // the line it crosses into (kCode + 32, filled from memory: 11 bus clocks x 1.5, rounded up).
    const uint64_t memory_fill = (uint64_t{iss::PentiumTimingConfig{}.memory_fill_bus_clocks} * 3 + 1) / 2;
    EXPECT_EQ(m.pc.regions()[1].cycle - m.pc.regions()[0].cycle, iss::SystemCosts{}.out + 2 + memory_fill);
}

}  // namespace
}  // namespace vmsim::x86::pc
