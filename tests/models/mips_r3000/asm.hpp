// A tiny MIPS-I assembler for the ISS tests: one encoder per instruction (the
// R/I/J formats of the MIPS-I opcode map, plus the CP0 operations from the reference
// sheet) and `Asm`, a program builder with labels for branches and jumps.
//
// Encoders take raw fields: register numbers, 16-bit immediates, branch offsets in
// instructions and absolute jump targets. Asm resolves labels to those fields.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vmsim::r3000::test {

// Register numbers by their o32 names.
enum Reg : unsigned {
    zero = 0, at = 1, v0 = 2, v1 = 3, a0 = 4, a1 = 5, a2 = 6, a3 = 7,
    t0 = 8, t1 = 9, t2 = 10, t3 = 11, t4 = 12, t5 = 13, t6 = 14, t7 = 15,
    s0 = 16, s1 = 17, s2 = 18, s3 = 19, s4 = 20, s5 = 21, s6 = 22, s7 = 23,
    t8 = 24, t9 = 25, k0 = 26, k1 = 27, gp = 28, sp = 29, fp = 30, ra = 31,
};

namespace enc {

// ---- formats ----------------------------------------------------------------
constexpr uint32_t r_type(uint32_t op, unsigned rs, unsigned rt, unsigned rd, unsigned sa,
                          uint32_t funct) {
    return (op << 26) | ((rs & 31u) << 21) | ((rt & 31u) << 16) | ((rd & 31u) << 11) |
           ((sa & 31u) << 6) | (funct & 63u);
}
constexpr uint32_t i_type(uint32_t op, unsigned rs, unsigned rt, uint32_t imm16) {
    return (op << 26) | ((rs & 31u) << 21) | ((rt & 31u) << 16) | (imm16 & 0xffffu);
}
constexpr uint32_t j_type(uint32_t op, uint32_t target) {
    return (op << 26) | ((target >> 2) & 0x03ffffffu);
}

// Opcodes (bits 31:26).
enum Op : uint32_t {
    kSpecial = 0x00, kRegimm = 0x01, kJ = 0x02, kJal = 0x03, kBeq = 0x04, kBne = 0x05,
    kBlez = 0x06, kBgtz = 0x07, kAddi = 0x08, kAddiu = 0x09, kSlti = 0x0a, kSltiu = 0x0b,
    kAndi = 0x0c, kOri = 0x0d, kXori = 0x0e, kLui = 0x0f, kCop0 = 0x10, kBeql = 0x14,
    kSpecial2 = 0x1c, kLb = 0x20, kLh = 0x21, kLwl = 0x22, kLw = 0x23, kLbu = 0x24,
    kLhu = 0x25, kLwr = 0x26, kSb = 0x28, kSh = 0x29, kSwl = 0x2a, kSw = 0x2b, kSwr = 0x2e,
};
// SPECIAL function codes (bits 5:0).
enum Funct : uint32_t {
    kSll = 0x00, kSrl = 0x02, kSra = 0x03, kSllv = 0x04, kSrlv = 0x06, kSrav = 0x07,
    kJr = 0x08, kJalr = 0x09, kMovz = 0x0a, kMovn = 0x0b, kSyscall = 0x0c, kBreak = 0x0d,
    kMfhi = 0x10, kMthi = 0x11, kMflo = 0x12, kMtlo = 0x13, kMult = 0x18, kMultu = 0x19,
    kDiv = 0x1a, kDivu = 0x1b, kAdd = 0x20, kAddu = 0x21, kSub = 0x22, kSubu = 0x23,
    kAnd = 0x24, kOr = 0x25, kXor = 0x26, kNor = 0x27, kSlt = 0x2a, kSltu = 0x2b,
};
// REGIMM rt codes.
enum RegimmRt : unsigned { kBltz = 0x00, kBgez = 0x01, kBltzal = 0x10, kBgezal = 0x11 };

// ---- arithmetic and logic -------------------------------------------------------
constexpr uint32_t add(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kAdd); }
constexpr uint32_t addu(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kAddu); }
constexpr uint32_t sub(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kSub); }
constexpr uint32_t subu(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kSubu); }
constexpr uint32_t and_(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kAnd); }
constexpr uint32_t or_(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kOr); }
constexpr uint32_t xor_(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kXor); }
constexpr uint32_t nor(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kNor); }
constexpr uint32_t slt(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kSlt); }
constexpr uint32_t sltu(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kSltu); }

constexpr uint32_t addi(unsigned rt, unsigned rs, int32_t imm) { return i_type(kAddi, rs, rt, static_cast<uint32_t>(imm)); }
constexpr uint32_t addiu(unsigned rt, unsigned rs, int32_t imm) { return i_type(kAddiu, rs, rt, static_cast<uint32_t>(imm)); }
constexpr uint32_t slti(unsigned rt, unsigned rs, int32_t imm) { return i_type(kSlti, rs, rt, static_cast<uint32_t>(imm)); }
constexpr uint32_t sltiu(unsigned rt, unsigned rs, int32_t imm) { return i_type(kSltiu, rs, rt, static_cast<uint32_t>(imm)); }
constexpr uint32_t andi(unsigned rt, unsigned rs, uint32_t imm) { return i_type(kAndi, rs, rt, imm); }
constexpr uint32_t ori(unsigned rt, unsigned rs, uint32_t imm) { return i_type(kOri, rs, rt, imm); }
constexpr uint32_t xori(unsigned rt, unsigned rs, uint32_t imm) { return i_type(kXori, rs, rt, imm); }
constexpr uint32_t lui(unsigned rt, uint32_t imm) { return i_type(kLui, 0, rt, imm); }

// ---- shifts -------------------------------------------------------------------
constexpr uint32_t sll(unsigned rd, unsigned rt, unsigned sa) { return r_type(kSpecial, 0, rt, rd, sa, kSll); }
constexpr uint32_t srl(unsigned rd, unsigned rt, unsigned sa) { return r_type(kSpecial, 0, rt, rd, sa, kSrl); }
constexpr uint32_t sra(unsigned rd, unsigned rt, unsigned sa) { return r_type(kSpecial, 0, rt, rd, sa, kSra); }
constexpr uint32_t sllv(unsigned rd, unsigned rt, unsigned rs) { return r_type(kSpecial, rs, rt, rd, 0, kSllv); }
constexpr uint32_t srlv(unsigned rd, unsigned rt, unsigned rs) { return r_type(kSpecial, rs, rt, rd, 0, kSrlv); }
constexpr uint32_t srav(unsigned rd, unsigned rt, unsigned rs) { return r_type(kSpecial, rs, rt, rd, 0, kSrav); }
constexpr uint32_t nop() { return 0; }

// ---- multiply and divide ------------------------------------------------------
constexpr uint32_t mult(unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, 0, 0, kMult); }
constexpr uint32_t multu(unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, 0, 0, kMultu); }
constexpr uint32_t div(unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, 0, 0, kDiv); }
constexpr uint32_t divu(unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, 0, 0, kDivu); }
constexpr uint32_t mfhi(unsigned rd) { return r_type(kSpecial, 0, 0, rd, 0, kMfhi); }
constexpr uint32_t mflo(unsigned rd) { return r_type(kSpecial, 0, 0, rd, 0, kMflo); }
constexpr uint32_t mthi(unsigned rs) { return r_type(kSpecial, rs, 0, 0, 0, kMthi); }
constexpr uint32_t mtlo(unsigned rs) { return r_type(kSpecial, rs, 0, 0, 0, kMtlo); }

// ---- loads and stores ---------------------------------------------------------
constexpr uint32_t lb(unsigned rt, int32_t off, unsigned base) { return i_type(kLb, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t lbu(unsigned rt, int32_t off, unsigned base) { return i_type(kLbu, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t lh(unsigned rt, int32_t off, unsigned base) { return i_type(kLh, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t lhu(unsigned rt, int32_t off, unsigned base) { return i_type(kLhu, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t lw(unsigned rt, int32_t off, unsigned base) { return i_type(kLw, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t lwl(unsigned rt, int32_t off, unsigned base) { return i_type(kLwl, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t lwr(unsigned rt, int32_t off, unsigned base) { return i_type(kLwr, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t sb(unsigned rt, int32_t off, unsigned base) { return i_type(kSb, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t sh(unsigned rt, int32_t off, unsigned base) { return i_type(kSh, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t sw(unsigned rt, int32_t off, unsigned base) { return i_type(kSw, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t swl(unsigned rt, int32_t off, unsigned base) { return i_type(kSwl, base, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t swr(unsigned rt, int32_t off, unsigned base) { return i_type(kSwr, base, rt, static_cast<uint32_t>(off)); }

// ---- branches (offset in instructions, relative to the delay slot) and jumps ------
constexpr uint32_t beq(unsigned rs, unsigned rt, int32_t off) { return i_type(kBeq, rs, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t bne(unsigned rs, unsigned rt, int32_t off) { return i_type(kBne, rs, rt, static_cast<uint32_t>(off)); }
constexpr uint32_t blez(unsigned rs, int32_t off) { return i_type(kBlez, rs, 0, static_cast<uint32_t>(off)); }
constexpr uint32_t bgtz(unsigned rs, int32_t off) { return i_type(kBgtz, rs, 0, static_cast<uint32_t>(off)); }
constexpr uint32_t bltz(unsigned rs, int32_t off) { return i_type(kRegimm, rs, kBltz, static_cast<uint32_t>(off)); }
constexpr uint32_t bgez(unsigned rs, int32_t off) { return i_type(kRegimm, rs, kBgez, static_cast<uint32_t>(off)); }
constexpr uint32_t bltzal(unsigned rs, int32_t off) { return i_type(kRegimm, rs, kBltzal, static_cast<uint32_t>(off)); }
constexpr uint32_t bgezal(unsigned rs, int32_t off) { return i_type(kRegimm, rs, kBgezal, static_cast<uint32_t>(off)); }
// Absolute target; only bits 27:2 are encoded (same 256 MiB region as the delay slot).
constexpr uint32_t j(uint32_t target) { return j_type(kJ, target); }
constexpr uint32_t jal(uint32_t target) { return j_type(kJal, target); }
constexpr uint32_t jr(unsigned rs) { return r_type(kSpecial, rs, 0, 0, 0, kJr); }
constexpr uint32_t jalr(unsigned rd, unsigned rs) { return r_type(kSpecial, rs, 0, rd, 0, kJalr); }

// ---- traps and system ---------------------------------------------------------
constexpr uint32_t syscall(uint32_t code = 0) { return ((code & 0xfffffu) << 6) | kSyscall; }
constexpr uint32_t break_(uint32_t code = 0) { return ((code & 0xfffffu) << 6) | kBreak; }

// ---- CP0 (encodings from the reference sheet, "Instructions") --------------------
constexpr uint32_t mfc0(unsigned rt, unsigned rd) { return 0x40000000u | ((rt & 31u) << 16) | ((rd & 31u) << 11); }
constexpr uint32_t mtc0(unsigned rt, unsigned rd) { return 0x40800000u | ((rt & 31u) << 16) | ((rd & 31u) << 11); }
constexpr uint32_t tlbr() { return 0x42000001u; }
constexpr uint32_t tlbwi() { return 0x42000002u; }
constexpr uint32_t tlbwr() { return 0x42000006u; }
constexpr uint32_t tlbp() { return 0x42000008u; }
constexpr uint32_t rfe() { return 0x42000010u; }

// ---- encodings that are NOT MIPS-I (must raise RI on the R3000) -------------------
constexpr uint32_t mul_mips32(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial2, rs, rt, rd, 0, 0x02); }
constexpr uint32_t movz_mips4(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kMovz); }
constexpr uint32_t movn_mips4(unsigned rd, unsigned rs, unsigned rt) { return r_type(kSpecial, rs, rt, rd, 0, kMovn); }
constexpr uint32_t beql_mips2(unsigned rs, unsigned rt, int32_t off) { return i_type(kBeql, rs, rt, static_cast<uint32_t>(off)); }

}  // namespace enc

// A program at a fixed virtual base address. Branches and jumps may name labels
// bound before or after them; words() resolves them.
class Asm {
public:
    struct Label { unsigned id; };

    explicit Asm(uint32_t base) : base_(base) {}

    uint32_t base() const { return base_; }
    uint32_t here() const { return base_ + 4u * static_cast<uint32_t>(words_.size()); }
    size_t size() const { return words_.size(); }

    Asm& emit(uint32_t word) { words_.push_back(word); return *this; }
    Asm& operator()(uint32_t word) { return emit(word); }
    Asm& nops(unsigned n) { for (unsigned i = 0; i < n; ++i) emit(enc::nop()); return *this; }

    // Always two instructions (lui + ori), so code layout does not depend on values.
    Asm& li(unsigned rt, uint32_t value) {
        emit(enc::lui(rt, value >> 16));
        return emit(enc::ori(rt, rt, value & 0xffffu));
    }

    Label new_label() { bound_.push_back(kUnbound); return Label{static_cast<unsigned>(bound_.size() - 1)}; }
    Asm& bind(Label l) { bound_.at(l.id) = here(); return *this; }
    Label bind_new() { Label l = new_label(); bind(l); return l; }
    uint32_t address(Label l) const {
        if (bound_.at(l.id) == kUnbound) throw std::logic_error("unbound label");
        return bound_[l.id];
    }

    // Branch to a label: `partial` is the branch encoding with a zero offset.
    Asm& branch(uint32_t partial, Label l) {
        fixups_.push_back({words_.size(), l.id, false});
        return emit(partial);
    }
    Asm& beq(unsigned rs, unsigned rt, Label l) { return branch(enc::beq(rs, rt, 0), l); }
    Asm& bne(unsigned rs, unsigned rt, Label l) { return branch(enc::bne(rs, rt, 0), l); }
    Asm& blez(unsigned rs, Label l) { return branch(enc::blez(rs, 0), l); }
    Asm& bgtz(unsigned rs, Label l) { return branch(enc::bgtz(rs, 0), l); }
    Asm& bltz(unsigned rs, Label l) { return branch(enc::bltz(rs, 0), l); }
    Asm& bgez(unsigned rs, Label l) { return branch(enc::bgez(rs, 0), l); }
    Asm& bltzal(unsigned rs, Label l) { return branch(enc::bltzal(rs, 0), l); }
    Asm& bgezal(unsigned rs, Label l) { return branch(enc::bgezal(rs, 0), l); }
    Asm& b(Label l) { return beq(zero, zero, l); }
    Asm& j(Label l) { fixups_.push_back({words_.size(), l.id, true}); return emit(enc::j(0)); }
    Asm& jal(Label l) { fixups_.push_back({words_.size(), l.id, true}); return emit(enc::jal(0)); }

    // The encoded program; throws if a label is unbound or out of reach.
    std::vector<uint32_t> words() const {
        std::vector<uint32_t> out = words_;
        for (const Fixup& f : fixups_) {
            uint32_t target = address(Label{f.label});
            uint32_t pc = base_ + 4u * static_cast<uint32_t>(f.index);
            if (f.jump) {
                if (((pc + 4) & 0xf0000000u) != (target & 0xf0000000u))
                    throw std::logic_error("jump target outside the 256 MiB region");
                out[f.index] |= (target >> 2) & 0x03ffffffu;
            } else {
                int64_t off = (static_cast<int64_t>(target) - static_cast<int64_t>(pc) - 4) / 4;
                if (off < -32768 || off > 32767) throw std::logic_error("branch out of range");
                out[f.index] |= static_cast<uint32_t>(off) & 0xffffu;
            }
        }
        return out;
    }

private:
    static constexpr uint32_t kUnbound = 0xffffffffu;
    struct Fixup { size_t index; unsigned label; bool jump; };
    uint32_t base_;
    std::vector<uint32_t> words_;
    std::vector<uint32_t> bound_;
    std::vector<Fixup> fixups_;
};

}  // namespace vmsim::r3000::test
