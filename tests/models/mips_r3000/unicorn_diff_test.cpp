// Differential test: seeded random blocks of MIPS-I user instructions run on our
// ISS and on Unicorn (QEMU's MIPS32, little-endian) from the same registers and
// memory; all GPRs, HI/LO and the data window must agree afterwards.
//
// Only code whose meaning is the same on MIPS-I and MIPS32 is generated:
// - no add/addi/sub (their overflow traps are covered by unit tests);
// - div/divu divisors are forced odd (never zero) and signed dividends odd (never
//   INT_MIN), so the undefined cases (x/0, INT_MIN/-1) never happen;
// - nothing that writes HI/LO within two instructions after mfhi/mflo (MIPS-I hazard);
// - branches only forward (so blocks terminate), never in a delay slot; a delay slot
//   never touches the branch's link register and never holds mfhi/mflo;
// - Unicorn has no load delay. Interlocked mode runs anything; exact mode runs blocks
//   where the instruction after a load never touches the loaded register and no
//   load sits in a branch delay slot.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <iomanip>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unicorn/unicorn.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

constexpr uint32_t kBlockVa = 0x80040000u;    // code
constexpr uint32_t kWindowVa = 0x80050000u;   // data window
constexpr uint32_t kWindowBytes = 0x400u;
constexpr uint32_t kBaseReg = gp;             // holds the window's middle; never written
constexpr uint32_t kBaseVa = kWindowVa + kWindowBytes / 2;
constexpr unsigned kPrologueWords = 8;          // sets HI, LO and $at; see prologue()
constexpr uint32_t kBodyVa = kBlockVa + 4 * kPrologueWords;
constexpr unsigned kBodyWords = 50;
constexpr unsigned kBlocks = 500;               // per load-delay mode

// ---- generator ---------------------------------------------------------------

struct Word {
    uint32_t w = 0;
    std::string text;
    uint32_t reads = 0, writes = 0;  // GPR masks
    bool load = false;
    bool branch = false;             // branch or jump: has a delay slot
    bool mfhilo = false;             // mfhi/mflo
    bool hilo_write = false;         // mult/div/mthi/mtlo
    int target = -1;                 // branches and jumps: target word index
    enum Fix { kNone, kBranchOffset, kJumpTarget, kLuiHi, kOriLo } fix = kNone;
    int fix_of = -1;                 // kLuiHi/kOriLo: index of the jr/jalr they feed
    bool no_target = false;          // inside a sequence (after a guard or lui/ori)
};

uint32_t bit(unsigned r) { return r ? 1u << r : 0u; }

std::string reg_name(unsigned r) { return "$" + std::to_string(r); }

class Generator {
public:
    Generator(uint64_t seed, bool exact) : rng_(seed), exact_(exact) {}

    // kBodyWords of random code, then a nop and the stop store (not part of the body).
    std::vector<Word> block() {
        words_.clear();
        while (words_.size() < kBodyWords) {
            for (int attempt = 0;; ++attempt) {
                std::vector<Word> item = attempt < 50 ? random_item() : std::vector<Word>{alu_rr()};
                // Jumping into the middle of lui/ori/jr or ori-guard/div would skip its
                // set-up; delay slots may be targets.
                for (size_t i = 1; i < item.size(); ++i)
                    if (!item[i - 1].branch) item[i].no_target = true;
                if (fits(item)) {
                    for (Word& w : item) words_.push_back(std::move(w));
                    break;
                }
            }
        }
        Word pad;
        pad.text = "nop";
        words_.push_back(pad);
        Word stop;
        stop.w = enc::sw(zero, kStopEnd, k0);
        stop.text = "sw $0, 0xf00($26)  # stop";
        stop.reads = bit(k0);
        words_.push_back(stop);
        resolve();
        return words_;
    }

    uint32_t random_value() {
        switch (pick(8)) {
        case 0: return 0;
        case 1: return 0xffffffffu;
        case 2: return 0x80000000u;
        case 3: return 0x7fffffffu;
        case 4: return pick(64);
        case 5: return static_cast<uint32_t>(-static_cast<int32_t>(pick(64)));
        default: return static_cast<uint32_t>(rng_());
        }
    }
    uint32_t raw() { return static_cast<uint32_t>(rng_()); }

private:
    unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }

    // Destinations: anything but $0, k0 (holds the stop address) and gp (the base).
    unsigned dst() {
        for (;;) {
            unsigned r = 1 + pick(31);
            if (r != k0 && r != kBaseReg) return r;
        }
    }
    unsigned src() { return pick(32); }
    uint32_t imm16() {
        switch (pick(4)) {
        case 0: return pick(16);
        case 1: return 0x10000u - pick(16);
        default: return pick(0x10000);
        }
    }

    Word make(uint32_t w, std::string text, uint32_t reads, uint32_t writes) {
        Word x;
        x.w = w;
        x.text = std::move(text);
        x.reads = reads;
        x.writes = writes;
        return x;
    }

    Word alu_rr() {
        static const struct { uint32_t (*f)(unsigned, unsigned, unsigned); const char* n; } ops[] = {
            {enc::addu, "addu"}, {enc::subu, "subu"}, {enc::and_, "and"}, {enc::or_, "or"},
            {enc::xor_, "xor"}, {enc::nor, "nor"}, {enc::slt, "slt"}, {enc::sltu, "sltu"}};
        const auto& op = ops[pick(8)];
        unsigned d = dst(), s = src(), t = src();
        return make(op.f(d, s, t), std::string(op.n) + " " + reg_name(d) + "," + reg_name(s) + "," + reg_name(t),
                    bit(s) | bit(t), bit(d));
    }

    Word alu_imm() {
        unsigned d = dst(), s = src();
        uint32_t imm = imm16();
        std::ostringstream o;
        Word x;
        switch (pick(7)) {
        case 0: x = make(enc::addiu(d, s, static_cast<int32_t>(imm)), "addiu", bit(s), bit(d)); break;
        case 1: x = make(enc::slti(d, s, static_cast<int32_t>(imm)), "slti", bit(s), bit(d)); break;
        case 2: x = make(enc::sltiu(d, s, static_cast<int32_t>(imm)), "sltiu", bit(s), bit(d)); break;
        case 3: x = make(enc::andi(d, s, imm), "andi", bit(s), bit(d)); break;
        case 4: x = make(enc::ori(d, s, imm), "ori", bit(s), bit(d)); break;
        case 5: x = make(enc::xori(d, s, imm), "xori", bit(s), bit(d)); break;
        default:
            x = make(enc::lui(d, imm), "lui", 0, bit(d));
            o << "lui " << reg_name(d) << ",0x" << std::hex << imm;
            x.text = o.str();
            return x;
        }
        o << x.text << " " << reg_name(d) << "," << reg_name(s) << ",0x" << std::hex << imm;
        x.text = o.str();
        return x;
    }

    Word shift() {
        unsigned d = dst(), t = src();
        unsigned k = pick(6);
        if (k < 3) {
            unsigned sa = pick(32);
            static const char* n[] = {"sll", "srl", "sra"};
            uint32_t w = k == 0 ? enc::sll(d, t, sa) : k == 1 ? enc::srl(d, t, sa) : enc::sra(d, t, sa);
            return make(w, std::string(n[k]) + " " + reg_name(d) + "," + reg_name(t) + "," + std::to_string(sa),
                        bit(t), bit(d));
        }
        unsigned s = src();
        static const char* n[] = {"sllv", "srlv", "srav"};
        uint32_t w = k == 3 ? enc::sllv(d, t, s) : k == 4 ? enc::srlv(d, t, s) : enc::srav(d, t, s);
        return make(w, std::string(n[k - 3]) + " " + reg_name(d) + "," + reg_name(t) + "," + reg_name(s),
                    bit(t) | bit(s), bit(d));
    }

    std::vector<Word> muldiv() {
        unsigned s = src(), t = src();
        std::vector<Word> out;
        unsigned k = pick(4);
        if (k >= 2) {
            // Guards: divisor odd (never 0); for div also the dividend odd (never INT_MIN).
            unsigned gd = dst();
            out.push_back(make(enc::ori(gd, t, 1), "ori " + reg_name(gd) + "," + reg_name(t) + ",1", bit(t), bit(gd)));
            t = gd;
            if (k == 2) {
                unsigned gs = dst();
                while (gs == gd) gs = dst();
                out.push_back(make(enc::ori(gs, s, 1), "ori " + reg_name(gs) + "," + reg_name(s) + ",1", bit(s), bit(gs)));
                s = gs;
            }
        }
        static const char* n[] = {"mult", "multu", "div", "divu"};
        uint32_t w = k == 0 ? enc::mult(s, t) : k == 1 ? enc::multu(s, t) : k == 2 ? enc::div(s, t) : enc::divu(s, t);
        Word op = make(w, std::string(n[k]) + " " + reg_name(s) + "," + reg_name(t), bit(s) | bit(t), 0);
        op.hilo_write = true;
        out.push_back(op);
        return out;
    }

    Word mfhilo() {
        unsigned d = dst();
        bool hi = pick(2);
        Word x = make(hi ? enc::mfhi(d) : enc::mflo(d), std::string(hi ? "mfhi " : "mflo ") + reg_name(d), 0, bit(d));
        x.mfhilo = true;
        return x;
    }

    std::vector<Word> mthilo() {
        unsigned a = src(), b = src();
        Word h = make(enc::mthi(a), "mthi " + reg_name(a), bit(a), 0);
        Word l = make(enc::mtlo(b), "mtlo " + reg_name(b), bit(b), 0);
        h.hilo_write = l.hilo_write = true;
        return {h, l};
    }

    Word load() {
        unsigned d = dst();
        unsigned k = pick(7);
        static const char* n[] = {"lb", "lbu", "lh", "lhu", "lw", "lwl", "lwr"};
        static const unsigned align[] = {1, 1, 2, 2, 4, 1, 1};
        int32_t off = static_cast<int32_t>(pick(kWindowBytes / align[k]) * align[k]) - static_cast<int32_t>(kWindowBytes / 2);
        uint32_t w = 0;
        switch (k) {
        case 0: w = enc::lb(d, off, kBaseReg); break;
        case 1: w = enc::lbu(d, off, kBaseReg); break;
        case 2: w = enc::lh(d, off, kBaseReg); break;
        case 3: w = enc::lhu(d, off, kBaseReg); break;
        case 4: w = enc::lw(d, off, kBaseReg); break;
        case 5: w = enc::lwl(d, off, kBaseReg); break;
        default: w = enc::lwr(d, off, kBaseReg); break;
        }
        uint32_t reads = bit(kBaseReg) | (k >= 5 ? bit(d) : 0);  // lwl/lwr merge into rt
        Word x = make(w, std::string(n[k]) + " " + reg_name(d) + "," + std::to_string(off) + "($28)", reads, bit(d));
        x.load = true;
        return x;
    }

    Word store() {
        unsigned t = src();
        unsigned k = pick(5);
        static const char* n[] = {"sb", "sh", "sw", "swl", "swr"};
        static const unsigned align[] = {1, 2, 4, 1, 1};
        int32_t off = static_cast<int32_t>(pick(kWindowBytes / align[k]) * align[k]) - static_cast<int32_t>(kWindowBytes / 2);
        uint32_t w = k == 0 ? enc::sb(t, off, kBaseReg) : k == 1 ? enc::sh(t, off, kBaseReg)
                   : k == 2 ? enc::sw(t, off, kBaseReg) : k == 3 ? enc::swl(t, off, kBaseReg)
                   : enc::swr(t, off, kBaseReg);
        return make(w, std::string(n[k]) + " " + reg_name(t) + "," + std::to_string(off) + "($28)",
                    bit(t) | bit(kBaseReg), 0);
    }

    // A one-word instruction for a delay slot.
    Word simple() {
        switch (pick(7)) {
        case 0: case 1: return alu_rr();
        case 2: case 3: return alu_imm();
        case 4: return shift();
        case 5: return store();
        default: return load();
        }
    }

    // Forward target: 2..17 words past the branch (clamped to the end later).
    int forward_target() { return static_cast<int>(words_.size()) + 2 + static_cast<int>(pick(16)); }

    std::vector<Word> branch() {
        unsigned s = src(), t = src();
        unsigned k = pick(10);
        Word b;
        uint32_t link = 0;
        const int here = static_cast<int>(words_.size());
        switch (k) {
        case 0: case 1: b = make(enc::beq(s, t, 0), "beq " + reg_name(s) + "," + reg_name(t), bit(s) | bit(t), 0); break;
        case 2: b = make(enc::bne(s, t, 0), "bne " + reg_name(s) + "," + reg_name(t), bit(s) | bit(t), 0); break;
        case 3: b = make(enc::blez(s, 0), "blez " + reg_name(s), bit(s), 0); break;
        case 4: b = make(enc::bgtz(s, 0), "bgtz " + reg_name(s), bit(s), 0); break;
        case 5: b = make(enc::bltz(s, 0), "bltz " + reg_name(s), bit(s), 0); break;
        case 6: b = make(enc::bgez(s, 0), "bgez " + reg_name(s), bit(s), 0); break;
        case 7:
        case 8: {
            if (s == ra) s = t == ra ? 0 : t;  // rs = 31 is unpredictable on MIPS32
            bool al = k == 7;
            b = make(al ? enc::bltzal(s, 0) : enc::bgezal(s, 0), std::string(al ? "bltzal " : "bgezal ") + reg_name(s),
                     bit(s), bit(ra));
            link = bit(ra);
            break;
        }
        default: {
            // j / jal, or jr / jalr through a register loaded with lui/ori.
            unsigned kind = pick(4);
            if (kind < 2) {
                b = make(kind ? enc::jal(0) : enc::j(0), kind ? "jal" : "j", 0, kind ? bit(ra) : 0);
                b.fix = Word::kJumpTarget;
                link = kind ? bit(ra) : 0;
                b.branch = true;
                b.target = forward_target();
                Word slot = delay_slot(link);
                return {b, slot};
            }
            unsigned r = dst();
            int jr_at = here + 2;
            Word hi = make(enc::lui(r, 0), "lui " + reg_name(r) + ",%hi", 0, bit(r));
            Word lo = make(enc::ori(r, r, 0), "ori " + reg_name(r) + ",%lo", bit(r), bit(r));
            hi.fix = Word::kLuiHi;
            lo.fix = Word::kOriLo;
            hi.fix_of = lo.fix_of = jr_at;
            Word j;
            if (kind == 2) {
                j = make(enc::jr(r), "jr " + reg_name(r), bit(r), 0);
            } else {
                unsigned d = dst();
                while (d == r) d = dst();  // jalr with rd == rs is undefined
                j = make(enc::jalr(d, r), "jalr " + reg_name(d) + "," + reg_name(r), bit(r), bit(d));
                link = bit(d);
            }
            j.branch = true;
            j.target = jr_at + 2 + static_cast<int>(pick(16));
            Word slot = delay_slot(link);
            return {hi, lo, j, slot};
        }
        }
        b.branch = true;
        b.fix = Word::kBranchOffset;
        b.target = forward_target();
        return {b, delay_slot(link)};
    }

    Word delay_slot(uint32_t link) {
        for (;;) {
            Word w = simple();
            if (exact_ && w.load) continue;
            if ((w.reads | w.writes) & link) continue;
            return w;
        }
    }

    std::vector<Word> random_item() {
        unsigned k = pick(20);
        if (k < 5) return {alu_rr()};
        if (k < 8) return {alu_imm()};
        if (k < 10) return {shift()};
        if (k < 12) return muldiv();
        if (k < 13) return {mfhilo()};
        if (k < 14) return mthilo();
        if (k < 16) return {load()};
        if (k < 18) return {store()};
        return branch();
    }

    // Whether `item` can follow the words so far under the rules in the file comment.
    bool fits(const std::vector<Word>& item) const {
        if (words_.size() + item.size() > kBodyWords) return false;
        std::vector<const Word*> seq;
        for (const Word& w : words_) seq.push_back(&w);
        for (const Word& w : item) seq.push_back(&w);
        for (size_t i = words_.size(); i < seq.size(); ++i) {
            const Word& w = *seq[i];
            const Word* p1 = i >= 1 ? seq[i - 1] : nullptr;
            const Word* p2 = i >= 2 ? seq[i - 2] : nullptr;
            if (w.hilo_write && ((p1 && p1->mfhilo) || (p2 && p2->mfhilo))) return false;
            bool in_slot = p1 && p1->branch;
            if (in_slot && (w.branch || w.mfhilo)) return false;
            if (exact_ && p1 && p1->load && ((w.reads | w.writes) & p1->writes)) return false;
            if (exact_ && in_slot && w.load) return false;
        }
        return true;
    }

    void resolve() {
        const int last = static_cast<int>(kBodyWords);  // the pad nop
        for (Word& w : words_) {
            if (!w.branch) continue;
            if (w.target > last) w.target = last;
            while (words_[static_cast<size_t>(w.target)].no_target) ++w.target;
        }
        auto addr = [](int index) { return kBodyVa + 4u * static_cast<uint32_t>(index); };
        for (size_t i = 0; i < words_.size(); ++i) {
            Word& w = words_[i];
            switch (w.fix) {
            case Word::kNone: break;
            case Word::kBranchOffset:
                w.w |= static_cast<uint32_t>(w.target - static_cast<int>(i) - 1) & 0xffffu;
                break;
            case Word::kJumpTarget: w.w |= (addr(w.target) >> 2) & 0x03ffffffu; break;
            case Word::kLuiHi: w.w |= addr(words_[w.fix_of].target) >> 16; break;
            case Word::kOriLo: w.w |= addr(words_[w.fix_of].target) & 0xffffu; break;
            }
            if (w.branch) {
                std::ostringstream o;
                o << " -> 0x" << std::hex << addr(w.target);
                w.text += o.str();
            }
        }
    }

    std::mt19937_64 rng_;
    bool exact_;
    std::vector<Word> words_;
};

// ---- the two machines -----------------------------------------------------------

struct State {
    std::array<uint32_t, 32> gpr{};
    uint32_t hi = 0, lo = 0;
    std::vector<uint8_t> window;
};

struct Trial {
    std::vector<Word> code;
    std::vector<uint32_t> words;  // prologue + block
    std::array<uint32_t, 32> gpr{};
    std::vector<uint8_t> window;
};

// Prologue: HI/LO have no setter on the ISS, so both machines load them with
// mthi/mtlo, then restore $at.
std::vector<uint32_t> prologue(uint32_t hi, uint32_t lo, uint32_t at_value) {
    Asm a(kBlockVa);
    a.li(at, hi);
    a(enc::mthi(at));
    a.li(at, lo);
    a(enc::mtlo(at));
    a.li(at, at_value);
    return a.words();
}

std::string listing(const Trial& s) {
    std::ostringstream o;
    o << std::hex;
    for (size_t i = 0; i < s.code.size(); ++i)
        o << "  0x" << kBodyVa + 4 * i << ": " << std::setw(8) << std::setfill('0') << s.words[kPrologueWords + i]
          << std::setfill(' ') << "  "
          << s.code[i].text << "\n";
    o << "initial:";
    for (unsigned r = 0; r < 32; ++r) o << " $" << std::dec << r << "=0x" << std::hex << s.gpr[r];
    return o.str();
}

bool run_iss(const Trial& s, LoadDelay mode, State& out, std::string& why) {
    CpuConfig c;
    c.load_delay = mode;
    auto m = std::make_unique<Machine>(c);
    m->write_words(kBlockVa, s.words);
    for (uint32_t i = 0; i < kWindowBytes; ++i) m->byte(kWindowVa + i) = s.window[i];
    m->reset(kBlockVa);
    for (unsigned r = 1; r < 32; ++r) m->cpu.set_gpr(r, s.gpr[r]);
    StopReason r = m->run(100000);
    if (r != StopReason::Break || m->stop() != kStopEnd) {
        why = std::string("ISS did not reach the end: ") + reason_name(r) + "; " + describe(*m);
        return false;
    }
    for (unsigned i = 0; i < 32; ++i) out.gpr[i] = m->cpu.gpr(i);
    out.hi = m->cpu.hi();
    out.lo = m->cpu.lo();
    out.window.resize(kWindowBytes);
    for (uint32_t i = 0; i < kWindowBytes; ++i) out.window[i] = m->byte(kWindowVa + i);
    return true;
}

bool run_unicorn(const Trial& s, State& out, std::string& why) {
    uc_engine* uc = nullptr;
    uc_err e = uc_open(UC_ARCH_MIPS, static_cast<uc_mode>(UC_MODE_MIPS32 | UC_MODE_LITTLE_ENDIAN), &uc);
    if (e != UC_ERR_OK) {
        why = std::string("uc_open: ") + uc_strerror(e);
        return false;
    }
    std::unique_ptr<uc_engine, uc_err (*)(uc_engine*)> guard(uc, uc_close);
    auto check = [&](uc_err err, const char* what) {
        if (err != UC_ERR_OK) why = std::string(what) + ": " + uc_strerror(err);
        return err == UC_ERR_OK;
    };
    if (!check(uc_mem_map(uc, kBlockVa, 0x10000, UC_PROT_ALL), "map code")) return false;
    if (!check(uc_mem_map(uc, kWindowVa, 0x10000, UC_PROT_ALL), "map data")) return false;
    if (!check(uc_mem_write(uc, kBlockVa, s.words.data(), s.words.size() * 4), "write code")) return false;
    if (!check(uc_mem_write(uc, kWindowVa, s.window.data(), s.window.size()), "write data")) return false;
    for (unsigned r = 1; r < 32; ++r) {
        uint32_t v = s.gpr[r];
        if (!check(uc_reg_write(uc, UC_MIPS_REG_0 + static_cast<int>(r), &v), "reg write")) return false;
    }
    // The stop store goes to an unmapped address: Unicorn faults there, and the hook
    // records where. (Unicorn's PC read back after an `until` stop is not reliable.)
    uint64_t stop_addr = 0;
    uc_hook hook;
    auto on_unmapped = [](uc_engine*, uc_mem_type, uint64_t address, int, int64_t, void* user) -> bool {
        *static_cast<uint64_t*>(user) = address;
        return false;
    };
    bool (*cb)(uc_engine*, uc_mem_type, uint64_t, int, int64_t, void*) = on_unmapped;
    if (!check(uc_hook_add(uc, &hook, UC_HOOK_MEM_WRITE_UNMAPPED, reinterpret_cast<void*>(cb), &stop_addr, 1, 0),
               "hook"))
        return false;
    e = uc_emu_start(uc, kBlockVa, 0, 0, 100000);
    if (e != UC_ERR_WRITE_UNMAPPED || stop_addr != kStopVa + kStopEnd) {
        std::ostringstream o;
        o << "Unicorn did not reach the stop store: " << uc_strerror(e) << ", unmapped write at 0x" << std::hex
          << stop_addr;
        why = o.str();
        return false;
    }
    for (unsigned r = 0; r < 32; ++r) uc_reg_read(uc, UC_MIPS_REG_0 + static_cast<int>(r), &out.gpr[r]);
    uc_reg_read(uc, UC_MIPS_REG_HI, &out.hi);
    uc_reg_read(uc, UC_MIPS_REG_LO, &out.lo);
    out.window.resize(kWindowBytes);
    return check(uc_mem_read(uc, kWindowVa, out.window.data(), kWindowBytes), "read data");
}

// Runs kBlocks random blocks and reports each disagreement (up to five) with its
// seed. VMSIM_DIFF_SEED=<seed> runs just that block.
void run_blocks(uint64_t seed0, LoadDelay mode) {
    bool exact = mode == LoadDelay::Exact;
    unsigned failures = 0;
    const char* only = std::getenv("VMSIM_DIFF_SEED");
    for (unsigned b = 0; b < kBlocks && failures < 5; ++b) {
        uint64_t seed = only ? std::strtoull(only, nullptr, 0) : seed0 * 1000003u + b;
        if (only && b > 0) break;
        Generator g(seed, exact);
        Trial s;
        s.code = g.block();
        for (unsigned r = 1; r < 32; ++r) s.gpr[r] = g.random_value();
        s.gpr[k0] = kStopVa;
        s.gpr[kBaseReg] = kBaseVa;
        s.window.resize(kWindowBytes);
        for (auto& byte : s.window) byte = static_cast<uint8_t>(g.raw());
        s.words = prologue(g.random_value(), g.random_value(), s.gpr[at]);
        ASSERT_EQ(s.words.size(), kPrologueWords);
        for (const Word& w : s.code) s.words.push_back(w.w);

        State iss, ref;
        std::string why;
        ASSERT_TRUE(run_unicorn(s, ref, why)) << "seed " << seed << ": " << why << "\n" << listing(s);
        if (!run_iss(s, mode, iss, why)) {
            ADD_FAILURE() << "seed " << seed << ": " << why << "\n" << listing(s);
            ++failures;
            continue;
        }
        std::ostringstream diff;
        for (unsigned r = 0; r < 32; ++r)
            if (iss.gpr[r] != ref.gpr[r])
                diff << " $" << std::dec << r << ": iss=0x" << std::hex << iss.gpr[r] << " unicorn=0x" << ref.gpr[r];
        if (iss.hi != ref.hi) diff << " HI: iss=0x" << std::hex << iss.hi << " unicorn=0x" << ref.hi;
        if (iss.lo != ref.lo) diff << " LO: iss=0x" << std::hex << iss.lo << " unicorn=0x" << ref.lo;
        for (uint32_t i = 0; i < kWindowBytes; ++i)
            if (iss.window[i] != ref.window[i]) {
                diff << " mem[0x" << std::hex << kWindowVa + i << "]: iss=0x" << unsigned{iss.window[i]}
                     << " unicorn=0x" << unsigned{ref.window[i]};
                break;
            }
        if (!diff.str().empty()) {
            ADD_FAILURE() << "seed " << seed << " (" << (exact ? "exact" : "interlocked")
                          << " load delay) differs:" << diff.str() << "\n" << listing(s);
            ++failures;
        }
    }
}

TEST(UnicornDifferential, RandomBlocksMatchWithInterlockedLoads) {
    run_blocks(1, LoadDelay::Interlocked);
}

TEST(UnicornDifferential, RandomBlocksMatchWithExactLoadsWhenNoSlotUsesTheLoad) {
    run_blocks(2, LoadDelay::Exact);
}

// The harness itself: a block that Unicorn must run exactly as written.
TEST(UnicornDifferential, UnicornAgreesWithHandWorkedValues) {
    Trial s;
    s.words = prologue(0x11, 0x22, 0);
    Asm a(kBodyVa);
    a(enc::addiu(t0, zero, -3));
    a(enc::addiu(t1, zero, 5));
    a(enc::mult(t0, t1));
    a(enc::mflo(t2));
    a(enc::sw(t2, 0, kBaseReg));
    a(enc::lbu(t3, 0, kBaseReg));
    a(enc::nop());
    a(enc::sw(zero, kStopEnd, k0));
    for (uint32_t w : a.words()) s.words.push_back(w);
    s.gpr[k0] = kStopVa;
    s.gpr[kBaseReg] = kBaseVa;
    s.window.assign(kWindowBytes, 0);
    State ref;
    std::string why;
    ASSERT_TRUE(run_unicorn(s, ref, why)) << why;
    EXPECT_EQ(ref.gpr[t2], 0xfffffff1u);
    EXPECT_EQ(ref.gpr[t3], 0xf1u);
    EXPECT_EQ(ref.hi, 0xffffffffu);
    EXPECT_EQ(ref.window[kWindowBytes / 2 + 3], 0xffu);
}

}  // namespace
}  // namespace vmsim::r3000::test
