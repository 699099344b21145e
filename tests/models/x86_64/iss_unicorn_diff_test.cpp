// Differential test of the x86 ISS against Unicorn 2.0.1 (QEMU's TCG, UC_MODE_32 with the Pentium
// CPU model), paging off, ring 0: seeded random blocks of the integer subset run on both from the
// same registers, flags and memory, and after every instruction the eight registers, EIP, EFLAGS, a
// 4 KB data window and the 4 KB stack area must agree. A second test runs a GCC-compiled C program
// (iss_program/program.c) the same way.
//
// What is generated is what both sides must agree on:
//  - memory operands stay in the data window: the base EBX holds its middle and is never written;
//    an index register is masked (AND) just before use; absolute [disp32] addresses point into it;
//    [ESP + disp8] stays in the stack area;
//  - DIV/IDIV mostly get a set-up that rules out #DE; a quarter run on whatever the registers hold,
//    and when they raise #DE (Unicorn reports it to UC_HOOK_INTR as interrupt 0) both sides must
//    agree that it happened and on the state (the instruction not executed); the block ends there;
//  - string instructions get ESI, EDI and a small ECX first; ENTER is followed by LEAVE;
//  - branches only go forward, so every block ends at its final HLT;
//  - POPF only loads the arithmetic flags and DF (TF would single-step, IF is irrelevant here);
//  - 16-bit SHLD/SHRD only with counts up to 16 (beyond, the SDM leaves the result undefined).
// Where Unicorn differs from a Pentium (or the SDM leaves a flag undefined and Unicorn's value
// depends on the instruction before): after BT/BTS/BTR/BTC, QEMU computes OF, SF, AF and PF from
// whatever the previous flag-setting instruction left (its lazy-flags state); the SDM calls them
// undefined. Those four flags are not compared after a BT* and are copied from Unicorn into the ISS,
// so that the blocks stay in lockstep. Unicorn also runs CMOV, 0F 1F and ENDBR32 on its "Pentium";
// none is generated here (the ISS raises #UD for the first two: iss_decode_test.cpp).
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unicorn/unicorn.h>

#include "models/x86_64/iss.hpp"

// The compiled program's own code, for the host: its result is what the guest must compute.
namespace host_program {
#define ISS_PROGRAM_HOST
#include "tests/models/x86_64/iss_program/program.c"
#undef ISS_PROGRAM_HOST
}  // namespace host_program

namespace vmsim::x86::iss {
namespace {

constexpr uint32_t kMemBytes = 0x40000;
constexpr uint32_t kCode = 0x10000;
constexpr uint32_t kWindow = 0x20000, kWindowBytes = 0x1000, kWindowMid = kWindow + 0x800;
constexpr uint32_t kStack = 0x30000, kStackBytes = 0x1000, kStackTop = kStack + 0x800;
constexpr unsigned kItemsPerBlock = 60;
constexpr unsigned kBlocks = 500;

using Bytes = std::vector<uint8_t>;

// One generated unit: some instructions whose bytes are known, and optionally a forward branch whose
// displacement is patched once the layout is known.
struct Item {
    Bytes bytes;
    std::string text;
    int target = -1;          // item index the branch goes to (just past this block's last item: end)
    size_t rel_at = 0;        // offset of the displacement in `bytes`
    unsigned rel_size = 0;    // 1 or 4
    uint32_t abs_at = ~0u;    // offset of an imm32 that must hold the target's address
};

const uint8_t kDest32[] = {kEax, kEcx, kEdx, kEsi, kEdi, kEbp};  // never EBX (the base) or ESP
const uint8_t kDest8[] = {0, 1, 2, 4, 5, 6};                      // AL CL DL AH CH DH (not BL, BH)

class Generator {
public:
    explicit Generator(uint64_t seed) : rng_(seed) {}

    std::vector<Item> block() {
        std::vector<Item> items;
        for (unsigned i = 0; i < kItemsPerBlock; ++i) items.push_back(item(i));
        return items;
    }
    uint32_t value() {
        switch (pick(8)) {
        case 0: return 0;
        case 1: return 0xffffffffu;
        case 2: return 0x80000000u;
        case 3: return 0x7fffffffu;
        case 4: return pick(64);
        case 5: return static_cast<uint32_t>(-static_cast<int32_t>(pick(64)));
        case 6: return 0xffu << (8 * pick(4));
        default: return static_cast<uint32_t>(rng_());
        }
    }
    uint32_t raw() { return static_cast<uint32_t>(rng_()); }
    unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }

private:
    uint8_t dst(unsigned size) { return size == 1 ? kDest8[pick(6)] : kDest32[pick(6)]; }
    uint8_t src() { return static_cast<uint8_t>(pick(8)); }
    uint8_t src8() { return static_cast<uint8_t>(pick(8)); }  // any 8-bit register may be read

    static void imm(Bytes& b, uint32_t v, unsigned n) {
        for (unsigned i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    // Operand-size prefix for size 2; the opcode's byte/word bit is the caller's.
    static void prefix(Bytes& b, unsigned size) {
        if (size == 2) b.push_back(0x66);
    }
    unsigned size() {
        const unsigned r = pick(6);
        return r < 3 ? 4 : r < 5 ? 1 : 2;
    }

    // ModRM (+SIB, displacement) with `reg` in the reg field. A register operand is a destination
    // register when `writes`; a memory operand stays in the window. Set-up instructions (an index
    // mask) go to setup_, which make() puts before the instruction's prefixes.
    void rm(Bytes& b, unsigned reg, unsigned size, bool writes, bool allow_reg = true,
            bool allow_mem = true) {
        const uint8_t r3 = static_cast<uint8_t>((reg & 7) << 3);
        last_mem_ = false;
        if (allow_reg && (!allow_mem || pick(2))) {
            const uint8_t r = writes ? dst(size) : (size == 1 ? src8() : src());
            b.push_back(static_cast<uint8_t>(0xc0 | r3 | r));
            return;
        }
        last_mem_ = true;
        switch (pick(6)) {
        case 0:  // [ebx + disp8]
            b.push_back(static_cast<uint8_t>(0x40 | r3 | kEbx));
            b.push_back(static_cast<uint8_t>(pick(0x80) - 0x40));
            break;
        case 1:  // [ebx + disp32]
            b.push_back(static_cast<uint8_t>(0x80 | r3 | kEbx));
            imm(b, static_cast<uint32_t>(static_cast<int32_t>(pick(0x600)) - 0x300), 4);
            break;
        case 2:  // [disp32]
            b.push_back(static_cast<uint8_t>(0x00 | r3 | 5));
            imm(b, kWindow + 0x100 + pick(0xe00), 4);
            break;
        case 3: {  // [ebx + index * scale + disp8], index masked first
            const uint8_t idx = kDest32[pick(6)];
            setup_.insert(setup_.end(), {0x83, static_cast<uint8_t>(0xe0 | idx), 0x3f});  // and idx, 0x3f
            b.push_back(static_cast<uint8_t>(0x40 | r3 | 4));
            b.push_back(static_cast<uint8_t>((pick(4) << 6) | (idx << 3) | kEbx));
            b.push_back(static_cast<uint8_t>(pick(0x80) - 0x40));
            break;
        }
        case 4: {  // [index * scale + disp32] (SIB, no base)
            const uint8_t idx = kDest32[pick(6)];
            setup_.insert(setup_.end(), {0x83, static_cast<uint8_t>(0xe0 | idx), 0x3f});
            b.push_back(static_cast<uint8_t>(0x00 | r3 | 4));
            b.push_back(static_cast<uint8_t>((pick(4) << 6) | (idx << 3) | 5));
            imm(b, kWindow + 0x400 + pick(0x400), 4);
            break;
        }
        default:  // [esp + disp8]
            b.push_back(static_cast<uint8_t>(0x40 | r3 | 4));
            b.push_back(0x24);
            b.push_back(static_cast<uint8_t>(pick(0x40)));
            break;
        }
    }
    // Memory only.
    void mem(Bytes& b, unsigned reg) { rm(b, reg, 4, false, false, true); }

    Item make(const Bytes& pre, const Bytes& b, std::string text) {
        Item it;
        it.bytes = setup_;
        setup_.clear();
        it.bytes.insert(it.bytes.end(), pre.begin(), pre.end());
        it.bytes.insert(it.bytes.end(), b.begin(), b.end());
        it.text = std::move(text);
        return it;
    }

    Item branch(unsigned index, Bytes op, unsigned rel_size, const char* text) {
        Item it;
        it.bytes = std::move(op);
        it.rel_at = it.bytes.size();
        it.rel_size = rel_size;
        imm(it.bytes, 0, rel_size);
        // Forward by 1-4 items (at most to the end); rel8 spans are short enough: items are < 30 bytes.
        it.target = static_cast<int>(index + 1 + pick(rel_size == 1 ? 3 : 5));
        it.text = text;
        return it;
    }

    Item item(unsigned index) {
        Bytes pre, b;
        const unsigned sz = size();
        const bool byte = sz == 1;
        switch (pick(34)) {
        case 0:
        case 1: {  // ALU r/m, r and r, r/m
            const unsigned op = pick(8), dir = pick(2);
            prefix(pre, sz);
            b.push_back(static_cast<uint8_t>(op * 8 + dir * 2 + (byte ? 0 : 1)));
            const bool writes = dir == 0 && op != 7;
            const unsigned reg = dir == 1 && op != 7 ? dst(sz) : (byte ? src8() : src());
            rm(b, reg, sz, writes);
            if (pick(8) == 0 && writes && last_mem_) pre.insert(pre.begin(), 0xf0);  // lock
            return make(pre, b, "alu");
        }
        case 2:
        case 3: {  // ALU r/m, imm (80/81/83) and accumulator forms
            const unsigned op = pick(8);
            prefix(pre, sz);
            if (pick(4) == 0) {
                b.push_back(static_cast<uint8_t>(op * 8 + 4 + (byte ? 0 : 1)));
                imm(b, value(), byte ? 1 : sz);
                return make(pre, b, "alu acc,imm");
            }
            const unsigned form = byte ? 0x80 : (pick(2) ? 0x81 : 0x83);
            b.push_back(static_cast<uint8_t>(form));
            rm(b, op, sz, op != 7);
            imm(b, value(), form == 0x81 ? sz : 1);
            return make(pre, b, "alu rm,imm");
        }
        case 4: {  // TEST
            prefix(pre, sz);
            switch (pick(3)) {
            case 0: b.push_back(byte ? 0x84 : 0x85); rm(b, byte ? src8() : src(), sz, false); break;
            case 1: b.push_back(byte ? 0xa8 : 0xa9); imm(b, value(), sz); break;
            default: b.push_back(byte ? 0xf6 : 0xf7); rm(b, 0, sz, false); imm(b, value(), sz); break;
            }
            return make(pre, b, "test");
        }
        case 5: {  // INC/DEC/NOT/NEG
            prefix(pre, sz);
            const unsigned k = pick(4);
            if (k < 2 && !byte && pick(2)) {
                b.push_back(static_cast<uint8_t>((k ? 0x48 : 0x40) + dst(sz)));
            } else if (k < 2) {
                b.push_back(byte ? 0xfe : 0xff);
                rm(b, k, sz, true);
            } else {
                b.push_back(byte ? 0xf6 : 0xf7);
                rm(b, k, sz, true);
            }
            return make(pre, b, "inc/dec/not/neg");
        }
        case 6:
        case 7: {  // MOV forms
            prefix(pre, sz);
            switch (pick(5)) {
            case 0: b.push_back(byte ? 0x88 : 0x89); rm(b, byte ? src8() : src(), sz, true); break;
            case 1: b.push_back(byte ? 0x8a : 0x8b); rm(b, dst(sz), sz, false); break;
            case 2: b.push_back(byte ? 0xc6 : 0xc7); rm(b, 0, sz, true); imm(b, value(), sz); break;
            case 3: b.push_back(static_cast<uint8_t>((byte ? 0xb0 : 0xb8) + dst(sz))); imm(b, value(), sz); break;
            default:  // moffs
                if (sz == 1 && pick(2)) {
                    b.push_back(pick(2) ? 0xa0 : 0xa2);
                } else {
                    b.push_back(byte ? 0xa2 : pick(2) ? 0xa1 : 0xa3);
                }
                imm(b, kWindow + 0x100 + pick(0xe00), 4);
                break;
            }
            return make(pre, b, "mov");
        }
        case 8: {  // MOVZX/MOVSX, LEA with any registers
            if (pick(2)) {
                const unsigned ssz = pick(2) ? 1 : 2, dsz = pick(4) ? 4 : 2;
                prefix(pre, dsz);
                b.push_back(0x0f);
                b.push_back(static_cast<uint8_t>((pick(2) ? 0xb6 : 0xbe) + (ssz == 2 ? 1 : 0)));
                rm(b, dst(4), ssz, false);
                return make(pre, b, "movzx/movsx");
            }
            const unsigned dsz = pick(5) ? 4 : 2;
            prefix(pre, dsz);
            b.push_back(0x8d);
            const unsigned mod = pick(3), r = dst(4);
            if (pick(2)) {
                b.push_back(static_cast<uint8_t>((mod << 6) | (r << 3) | 4));
                b.push_back(static_cast<uint8_t>(pick(256)));  // any SIB
                if (mod == 0 && (b.back() & 7) == 5) imm(b, raw(), 4);
            } else {
                unsigned rmr = pick(8);
                if (rmr == 4) rmr = 5;
                b.push_back(static_cast<uint8_t>((mod << 6) | (r << 3) | rmr));
                if (mod == 0 && rmr == 5) imm(b, raw(), 4);
            }
            if (mod == 1) imm(b, raw(), 1);
            if (mod == 2) imm(b, raw(), 4);
            return make(pre, b, "lea");
        }
        case 9: {  // XCHG
            prefix(pre, sz);
            if (!byte && pick(3) == 0) {
                b.push_back(static_cast<uint8_t>(0x90 + dst(sz)));
            } else {
                b.push_back(byte ? 0x86 : 0x87);
                rm(b, dst(sz), sz, true);
            }
            return make(pre, b, "xchg");
        }
        case 10:
        case 11: {  // shifts and rotates
            prefix(pre, sz);
            const unsigned op = pick(8);
            switch (pick(3)) {
            case 0: b.push_back(byte ? 0xc0 : 0xc1); rm(b, op, sz, true); imm(b, pick(3) ? pick(34) : raw(), 1); break;
            case 1: b.push_back(byte ? 0xd0 : 0xd1); rm(b, op, sz, true); break;
            default: b.push_back(byte ? 0xd2 : 0xd3); rm(b, op, sz, true); break;
            }
            return make(pre, b, "shift");
        }
        case 12: {  // SHLD/SHRD
            const unsigned dsz = pick(4) ? 4 : 2;
            prefix(pre, dsz);
            const bool left = pick(2), by_cl = dsz == 4 && pick(2);
            b.push_back(0x0f);
            b.push_back(static_cast<uint8_t>((left ? 0xa4 : 0xac) + (by_cl ? 1 : 0)));
            rm(b, src(), dsz, true);
            if (!by_cl) imm(b, dsz == 2 ? pick(17) : pick(40), 1);
            return make(pre, b, "shld/shrd");
        }
        case 13: {  // MUL/IMUL one operand, IMUL two and three operands
            prefix(pre, sz);
            switch (pick(3)) {
            case 0: b.push_back(byte ? 0xf6 : 0xf7); rm(b, 4 + pick(2), sz, false); break;
            case 1:
                if (byte) pre.clear(), prefix(pre, 4);
                b.insert(b.end(), {0x0f, 0xaf});
                rm(b, dst(4), byte ? 4 : sz, false);
                break;
            default: {
                if (byte) pre.clear();
                const bool i8 = pick(2);
                b.push_back(i8 ? 0x6b : 0x69);
                rm(b, dst(4), byte ? 4 : sz, false);
                imm(b, value(), i8 ? 1 : (byte ? 4 : sz));
                break;
            }
            }
            return make(pre, b, "mul/imul");
        }
        case 14: {  // DIV/IDIV: mostly with a set-up that cannot fault, sometimes raw (may raise #DE)
            const bool is_signed = pick(2);
            if (pick(4) == 0) {
                prefix(pre, sz);
                b.push_back(byte ? 0xf6 : 0xf7);
                rm(b, is_signed ? 7 : 6, sz, false, true, false);
                return make(pre, b, "raw div/idiv");
            }
            const uint8_t d = static_cast<uint8_t>(pick(2) ? kEcx : kEsi);
            if (byte) {
                const uint8_t d8 = static_cast<uint8_t>(d == kEcx ? 1 : 6);  // CL or DH
                b.insert(b.end(), {0x80, static_cast<uint8_t>(0xe0 | d8), 0x7f});      // and d8, 0x7f
                b.insert(b.end(), {0x80, static_cast<uint8_t>(0xc8 | d8), 0x01});      // or d8, 1
                if (is_signed) b.insert(b.end(), {0x66, 0x98});                         // cbw
                else b.insert(b.end(), {0x0f, 0xb6, 0xc0});                            // movzx eax, al
                b.insert(b.end(), {0xf6, static_cast<uint8_t>(0xc0 | ((is_signed ? 7 : 6) << 3) | d8)});
            } else {
                Bytes p;
                prefix(p, sz);
                b.insert(b.end(), p.begin(), p.end());
                b.insert(b.end(), {0x81, static_cast<uint8_t>(0xe0 | d)});  // and d, 0x7fff
                imm(b, sz == 2 ? 0x7fff : 0x7fffffff, sz);
                b.insert(b.end(), p.begin(), p.end());
                b.insert(b.end(), {0x83, static_cast<uint8_t>(0xc8 | d), 0x01});  // or d, 1
                b.insert(b.end(), p.begin(), p.end());
                if (is_signed) b.push_back(0x99);                                // cdq / cwd
                else b.insert(b.end(), {0x31, 0xd2});                            // xor edx, edx
                b.insert(b.end(), p.begin(), p.end());
                b.insert(b.end(), {0xf7, static_cast<uint8_t>(0xc0 | ((is_signed ? 7 : 6) << 3) | d)});
            }
            return make(pre, b, "div/idiv");
        }
        case 15: {  // CWDE/CBW/CDQ/CWD, NOP forms, flag instructions
            static const Bytes kSimple[] = {{0x98}, {0x66, 0x98}, {0x99}, {0x66, 0x99}, {0x90}, {0x66, 0x90},
                                            {0x8d, 0x74, 0x26, 0x00}, {0x8d, 0xb4, 0x26, 0, 0, 0, 0},
                                            {0xf8}, {0xf9}, {0xf5}, {0x9e}, {0x9f}, {0xf3, 0x90}};
            return make({}, kSimple[pick(sizeof kSimple / sizeof kSimple[0])], "simple");
        }
        case 16: {  // SETcc
            b.insert(b.end(), {0x0f, static_cast<uint8_t>(0x90 + pick(16))});
            rm(b, 0, 1, true);
            return make(pre, b, "setcc");
        }
        case 17: {  // Jcc rel8 / rel32
            const unsigned c = pick(16);
            if (pick(2)) return branch(index, {static_cast<uint8_t>(0x70 + c)}, 1, "jcc8");
            return branch(index, {0x0f, static_cast<uint8_t>(0x80 + c)}, 4, "jcc32");
        }
        case 18: {  // JMP, LOOP*, JECXZ, CALL rel32
            switch (pick(5)) {
            case 0: return branch(index, {0xeb}, 1, "jmp8");
            case 1: return branch(index, {0xe9}, 4, "jmp32");
            case 2: return branch(index, {static_cast<uint8_t>(0xe0 + pick(3))}, 1, "loop");
            case 3: return branch(index, {0xe3}, 1, "jecxz");
            default: return branch(index, {0xe8}, 4, "call");
            }
        }
        case 19: {  // indirect: mov r, target; jmp r / call r; push target; ret [imm16]; call next; pop r
            const uint8_t r = dst(4);
            Item it;
            it.bytes = {static_cast<uint8_t>(0xb8 + r), 0, 0, 0, 0};
            switch (pick(4)) {
            case 0: it.bytes.insert(it.bytes.end(), {0xff, static_cast<uint8_t>(0xe0 | r)}); it.abs_at = 1; break;
            case 1: it.bytes.insert(it.bytes.end(), {0xff, static_cast<uint8_t>(0xd0 | r)}); it.abs_at = 1; break;
            case 2:
                it.bytes = {0x68, 0, 0, 0, 0};
                if (pick(2)) it.bytes.push_back(0xc3);
                else it.bytes.insert(it.bytes.end(), {0xc2, 4, 0});
                it.abs_at = 1;
                break;
            default:
                it.bytes = {0xe8, 0, 0, 0, 0, static_cast<uint8_t>(0x58 + r)};
                it.text = "call next; pop";
                return it;
            }
            it.target = static_cast<int>(index + 1 + pick(3));
            it.text = "indirect";
            return it;
        }
        case 20:
        case 21: {  // PUSH/POP
            switch (pick(7)) {
            case 0: b.push_back(static_cast<uint8_t>(0x50 + src())); break;
            case 1: b.push_back(static_cast<uint8_t>(0x58 + dst(4))); break;
            case 2: b.push_back(0x68); imm(b, value(), 4); break;
            case 3: b.push_back(0x6a); imm(b, pick(256), 1); break;
            case 4: b.push_back(0xff); mem(b, 6); break;
            case 5: b.push_back(0x8f); b.push_back(0x43); b.push_back(static_cast<uint8_t>(pick(0x80) - 0x40)); break;  // pop [ebx+d8]
            default: b.insert(b.end(), {0x66, static_cast<uint8_t>(0x50 + src())}); break;
            }
            return make(pre, b, "push/pop");
        }
        case 22: {  // PUSHA/POPA, PUSHF/POPF
            switch (pick(4)) {
            case 0: b = {0x60, 0x61}; break;
            case 1: b = {0x60, 0x83, 0xc4, 0x20}; break;  // pusha; add esp, 32
            case 2: b = {0x9c, static_cast<uint8_t>(0x58 + dst(4))}; break;
            default: {
                const uint32_t f = (raw() & (kArithFlags | kDf)) | kFlagsFixed;
                b = {0x68};
                imm(b, f, 4);
                b.push_back(0x9d);
                break;
            }
            }
            return make(pre, b, "pusha/pushf");
        }
        case 23: {  // BT/BTS/BTR/BTC
            const unsigned op = pick(4), dsz = pick(4) ? 4 : 2;
            prefix(pre, dsz);
            if (pick(2)) {
                b.insert(b.end(), {0x0f, 0xba});
                rm(b, 4 + op, dsz, op != 0);
                imm(b, pick(256), 1);
            } else {
                const uint8_t off = kDest32[pick(6)];
                // The offset register: -128..127 bits, so that a memory operand stays in the window.
                setup_ = {0x81, static_cast<uint8_t>(0xe0 | off), 0xff, 0, 0, 0,
                          0x83, static_cast<uint8_t>(0xc0 | off), 0x80};
                rm(b, off, dsz, op != 0);
                b.insert(b.begin(), {0x0f, static_cast<uint8_t>(0xa3 + 8 * op)});
            }
            if (op != 0 && pick(4) == 0 && last_mem_) b.insert(b.begin(), 0xf0);
            return make(pre, b, "bt");
        }
        case 24: {  // BSF/BSR, BSWAP, xor r, r (zeros for BSF/BSR)
            const unsigned k = pick(4);
            if (k == 0) return make({}, {0x0f, static_cast<uint8_t>(0xc8 + dst(4))}, "bswap");
            if (k == 1) {
                const uint8_t r = dst(4);
                return make({}, {0x31, static_cast<uint8_t>(0xc0 | (r << 3) | r)}, "xor r,r");
            }
            const unsigned dsz = pick(4) ? 4 : 2;
            prefix(pre, dsz);
            b.insert(b.end(), {0x0f, static_cast<uint8_t>(pick(2) ? 0xbc : 0xbd)});
            rm(b, dst(4), dsz, false);
            return make(pre, b, "bsf/bsr");
        }
        case 25: {  // CMPXCHG, XADD, CMPXCHG8B
            const unsigned k = pick(3);
            if (k == 2) {
                b.insert(b.end(), {0x0f, 0xc7, 0x4b, static_cast<uint8_t>(pick(0x80) - 0x40)});  // [ebx+d8]
                if (pick(2)) b.insert(b.begin(), 0xf0);
                return make({}, b, "cmpxchg8b");
            }
            prefix(pre, sz);
            b.insert(b.end(), {0x0f, static_cast<uint8_t>((k ? 0xc0 : 0xb0) + (byte ? 0 : 1))});
            rm(b, dst(sz), sz, true);
            if (last_mem_ && pick(2)) pre.insert(pre.begin(), 0xf0);
            return make(pre, b, k ? "xadd" : "cmpxchg");
        }
        case 26:
        case 27: {  // string instructions
            b.push_back(static_cast<uint8_t>(0xb8 + kEsi));
            imm(b, kWindow + 0x200 + pick(0xc00), 4);
            b.push_back(static_cast<uint8_t>(0xb8 + kEdi));
            imm(b, kWindow + 0x200 + pick(0xc00), 4);
            b.push_back(static_cast<uint8_t>(0xb8 + kEcx));
            imm(b, pick(10), 4);
            if (pick(3) == 0) b.push_back(0xfd);  // std
            const unsigned kind = pick(5);
            static const uint8_t kOps[] = {0xa4, 0xaa, 0xac, 0xa6, 0xae};  // movs stos lods cmps scas
            const unsigned rep = pick(3);  // none, F3, F2
            if (rep == 1) b.push_back(0xf3);
            if (rep == 2) b.push_back(kind >= 3 ? 0xf2 : 0xf3);
            if (sz == 2) b.push_back(0x66);
            b.push_back(static_cast<uint8_t>(kOps[kind] + (byte ? 0 : 1)));
            if (pick(2)) b.push_back(0xfc);  // cld
            return make({}, b, "string");
        }
        case 28: {  // ENTER imm16, 0|1 ; LEAVE
            b = {0xc8, static_cast<uint8_t>(pick(64)), static_cast<uint8_t>(pick(2)), static_cast<uint8_t>(pick(2)), 0xc9};
            return make({}, b, "enter/leave");
        }
        case 29: {  // STD/CLD alone (string instructions above set up their own)
            return make({}, {static_cast<uint8_t>(pick(2) ? 0xfd : 0xfc)}, "std/cld");
        }
        default: {  // register moves to vary the values
            const uint8_t r = dst(4);
            b.push_back(static_cast<uint8_t>(0xb8 + r));
            imm(b, value(), 4);
            return make({}, b, "mov r, imm32");
        }
        }
    }

    std::mt19937_64 rng_;
    bool last_mem_ = false;  // the last rm() made a memory operand (LOCK may be added)
    Bytes setup_;            // instructions the next item needs first
};

// Lays the items out from kCode, patches branch displacements and absolute targets, appends HLT.
// Returns the code bytes; `ends` receives the address after each item (and `hlt` the HLT's).
Bytes layout(std::vector<Item>& items, uint32_t& hlt) {
    std::vector<uint32_t> at;
    uint32_t a = kCode;
    for (const Item& it : items) {
        at.push_back(a);
        a += static_cast<uint32_t>(it.bytes.size());
    }
    hlt = a;
    at.push_back(a);
    Bytes code;
    for (size_t i = 0; i < items.size(); ++i) {
        Item& it = items[i];
        if (it.target >= 0) {
            const uint32_t target = at[std::min<size_t>(static_cast<size_t>(it.target), items.size())];
            if (it.abs_at != ~0u) {
                std::memcpy(&it.bytes[it.abs_at], &target, 4);
            } else {
                const uint32_t next = at[i] + static_cast<uint32_t>(it.bytes.size());
                const int32_t rel = static_cast<int32_t>(target - next);
                if (it.rel_size == 1) {
                    EXPECT_LE(rel, 127) << "rel8 out of range";
                    it.bytes[it.rel_at] = static_cast<uint8_t>(rel);
                } else {
                    std::memcpy(&it.bytes[it.rel_at], &rel, 4);
                }
            }
        }
        code.insert(code.end(), it.bytes.begin(), it.bytes.end());
    }
    code.push_back(0xf4);
    return code;
}

std::string hex(const Bytes& b) {
    std::ostringstream o;
    for (uint8_t x : b) o << std::hex << (x < 16 ? "0" : "") << unsigned{x} << ' ';
    return o.str();
}

class Unicorn {
public:
    Unicorn() {
        EXPECT_EQ(uc_open(UC_ARCH_X86, UC_MODE_32, &uc_), UC_ERR_OK);
        EXPECT_EQ(uc_ctl_set_cpu_model(uc_, UC_CPU_X86_PENTIUM), UC_ERR_OK);
        EXPECT_EQ(uc_mem_map(uc_, 0, kMemBytes, UC_PROT_ALL), UC_ERR_OK);
        EXPECT_EQ(uc_hook_add(uc_, &hook_, UC_HOOK_INTR, reinterpret_cast<void*>(&Unicorn::on_interrupt), this, 1, 0),
                  UC_ERR_OK);
    }
    // Exceptions and INT n go to UC_HOOK_INTR in Unicorn 2.0.1, never through the guest IDT.
    static void on_interrupt(uc_engine* uc, uint32_t intno, void* self) {
        static_cast<Unicorn*>(self)->interrupt = static_cast<int>(intno);
        uc_emu_stop(uc);
    }
    ~Unicorn() { uc_close(uc_); }
    uint32_t reg(int r) {
        uint32_t v = 0;
        uc_reg_read(uc_, r, &v);
        return v;
    }
    void set(int r, uint32_t v) { uc_reg_write(uc_, r, &v); }
    uc_engine* uc_ = nullptr;
    uc_hook hook_ = 0;
    int interrupt = -1;  // the last exception Unicorn reported, -1 for none
};

const int kUcRegs[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                        UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};

// The flags a BT* leaves undefined, where Unicorn's value depends on the previous instruction.
bool is_bt(const Insn& in) { return in.op == Op::BtReg || in.op == Op::BtImm; }

TEST(IssUnicornDiff, RandomBlocksAgreeAfterEveryInstruction) {
    Generator gen(20261206);
    FlatMemory mem(kMemBytes);
    unsigned instructions = 0, faults = 0;
    for (unsigned block = 0; block < kBlocks; ++block) {
        std::vector<Item> items = gen.block();
        uint32_t hlt = 0;
        const Bytes code = layout(items, hlt);

        // Same memory, registers and flags on both. A fresh Unicorn per block: 2.0.1 keeps
        // translations of the previous block's code after uc_mem_write.
        Unicorn uc;
        Cpu<FlatMemory> cpu(mem);
        std::memset(mem.data(), 0, kMemBytes);
        for (uint32_t i = 0; i < kWindowBytes; i += 4) {
            const uint32_t v = gen.value();
            std::memcpy(mem.data() + kWindow + i, &v, 4);
            const uint32_t s = gen.raw();
            std::memcpy(mem.data() + kStack + i, &s, 4);
        }
        std::memcpy(mem.data() + kCode, code.data(), code.size());
        ASSERT_EQ(uc_mem_write(uc.uc_, 0, mem.data(), kMemBytes), UC_ERR_OK);
        for (unsigned r = 0; r < 8; ++r) {
            const uint32_t v = r == kEbx ? kWindowMid : r == kEsp ? kStackTop : gen.value();
            cpu.set_reg(r, v);
            uc.set(kUcRegs[r], v);
        }
        const uint32_t flags0 = (gen.raw() & kArithFlags) | kFlagsFixed;
        cpu.set_eflags(flags0);
        uc.set(UC_X86_REG_EFLAGS, flags0);
        cpu.set_eip(kCode);
        uc.set(UC_X86_REG_EIP, kCode);

        std::vector<uint8_t> ucmem(kMemBytes);
        for (unsigned n = 0; cpu.eip() != hlt; ++n) {
            ASSERT_LT(n, 2000u) << "block " << block << " does not end";
            const uint32_t start = cpu.eip();
            Insn in;
            decode(mem.data() + start, kMaxInsnBytes, in);
            const StepResult r = cpu.step();
            const bool de = r.stop == Stop::Exception && r.vector == kVecDe && in.op != Op::Ud;
            ASSERT_TRUE(r.stop == Stop::None || de)
                << "block " << block << " at " << std::hex << start << ": " << op_name(in.op) << " vector "
                << unsigned{r.vector} << " bytes " << hex(Bytes(mem.data() + start, mem.data() + start + in.len));
            // Unicorn runs a REP string instruction one iteration per step: step until it leaves.
            unsigned guard = 0;
            uc.interrupt = -1;
            do {
                ASSERT_EQ(uc_emu_start(uc.uc_, uc.reg(UC_X86_REG_EIP), hlt, 0, 1), UC_ERR_OK)
                    << "block " << block << " at " << std::hex << start;
            } while (uc.reg(UC_X86_REG_EIP) == start && uc.interrupt < 0 && ++guard < 100);
            ASSERT_EQ(uc.interrupt, de ? kVecDe : -1) << "block " << block << " at " << std::hex << start;
            ++instructions;
            faults += de;

            std::ostringstream where;
            where << "block " << block << " insn " << n << " at 0x" << std::hex << start << " ("
                  << op_name(in.op) << ", size " << std::dec << unsigned{in.size} << ", bytes "
                  << hex(Bytes(mem.data() + start, mem.data() + start + in.len)) << ")";
            uint32_t mask = 0xffffffffu;
            if (is_bt(in)) {
                mask &= ~(kOf | kSf | kAf | kPf);
                const uint32_t ucf = uc.reg(UC_X86_REG_EFLAGS);
                cpu.set_eflags((cpu.eflags() & mask) | (ucf & ~mask));
            }
            for (unsigned i = 0; i < 8; ++i)
                ASSERT_EQ(cpu.reg(i), uc.reg(kUcRegs[i])) << where.str() << " register " << i;
            ASSERT_EQ(cpu.eip(), uc.reg(UC_X86_REG_EIP)) << where.str();
            ASSERT_EQ(cpu.eflags() & mask, uc.reg(UC_X86_REG_EFLAGS) & mask)
                << where.str() << std::hex << " flags0 " << flags0;
            ASSERT_EQ(uc_mem_read(uc.uc_, kWindow, ucmem.data(), kWindowBytes), UC_ERR_OK);
            ASSERT_EQ(std::memcmp(ucmem.data(), mem.data() + kWindow, kWindowBytes), 0) << where.str() << " data window";
            ASSERT_EQ(uc_mem_read(uc.uc_, kStack, ucmem.data(), kStackBytes), UC_ERR_OK);
            ASSERT_EQ(std::memcmp(ucmem.data(), mem.data() + kStack, kStackBytes), 0) << where.str() << " stack";
            if (de) break;  // the block ends at its #DE
        }
    }
    RecordProperty("instructions", static_cast<int>(instructions));
    RecordProperty("divide_errors", static_cast<int>(faults));
    EXPECT_GT(instructions, kBlocks * kItemsPerBlock / 2);
    EXPECT_GT(faults, 0u);  // the #DE comparison ran
}

// iss_program/program.c compiled by GCC for i386 (CMakeLists.txt): every instruction on both, the
// registers, EIP and EFLAGS compared after each, all memory at the end, and the result the program
// halts with must be what the same C code computes on the host.
TEST(IssUnicornDiff, CompiledProgramAgreesAndComputesTheHostResult) {
#ifndef ISS_PROGRAM_BIN
    GTEST_SKIP() << "no GCC for i386 at configure time";
#else
    std::ifstream file(ISS_PROGRAM_BIN, std::ios::binary);
    ASSERT_TRUE(file) << ISS_PROGRAM_BIN;
    const Bytes image((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ASSERT_GT(image.size(), 16u);
    ASSERT_LT(image.size(), kWindow - kCode);

    FlatMemory mem(kMemBytes);
    std::memcpy(mem.data() + kCode, image.data(), image.size());
    Unicorn uc;
    ASSERT_EQ(uc_mem_write(uc.uc_, 0, mem.data(), kMemBytes), UC_ERR_OK);
    Cpu<FlatMemory> cpu(mem);
    const uint32_t stack = kMemBytes - 0x1000;
    cpu.set_reg(kEsp, stack);
    uc.set(UC_X86_REG_ESP, stack);
    cpu.set_eip(kCode);
    uc.set(UC_X86_REG_EIP, kCode);

    unsigned n = 0;
    for (;; ++n) {
        ASSERT_LT(n, 200000u) << "the program does not halt";
        const uint32_t start = cpu.eip();
        Insn in;
        decode(mem.data() + start, kMaxInsnBytes, in);
        const StepResult r = cpu.step();
        if (r.stop == Stop::Halt) break;
        ASSERT_EQ(r.stop, Stop::None) << std::hex << start << " " << op_name(in.op) << " vector " << unsigned{r.vector};
        unsigned guard = 0;
        do {
            ASSERT_EQ(uc_emu_start(uc.uc_, uc.reg(UC_X86_REG_EIP), 0, 0, 1), UC_ERR_OK) << std::hex << start;
        } while (uc.reg(UC_X86_REG_EIP) == start && ++guard < 10000);
        uint32_t mask = 0xffffffffu;
        if (is_bt(in)) {
            mask &= ~(kOf | kSf | kAf | kPf);
            cpu.set_eflags((cpu.eflags() & mask) | (uc.reg(UC_X86_REG_EFLAGS) & ~mask));
        }
        for (unsigned i = 0; i < 8; ++i)
            ASSERT_EQ(cpu.reg(i), uc.reg(kUcRegs[i])) << "at 0x" << std::hex << start << " (" << op_name(in.op) << ") register " << i;
        ASSERT_EQ(cpu.eip(), uc.reg(UC_X86_REG_EIP)) << "after 0x" << std::hex << start;
        ASSERT_EQ(cpu.eflags() & mask, uc.reg(UC_X86_REG_EFLAGS) & mask) << "at 0x" << std::hex << start << " (" << op_name(in.op) << ")";
    }
    std::vector<uint8_t> ucmem(kMemBytes);
    ASSERT_EQ(uc_mem_read(uc.uc_, 0, ucmem.data(), kMemBytes), UC_ERR_OK);
    EXPECT_EQ(std::memcmp(ucmem.data(), mem.data(), kMemBytes), 0) << "memory differs at the end";
    EXPECT_EQ(cpu.reg(kEax), host_program::run()) << "the program halts with its result in EAX";
    RecordProperty("program_instructions", static_cast<int>(n));
#endif
}

}  // namespace
}  // namespace vmsim::x86::iss
