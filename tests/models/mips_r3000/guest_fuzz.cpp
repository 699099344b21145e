// Guest fuzzer for the R3000 ISS (issue 7): random and mutated MIPS-I kernel-mode
// programs run in-process on r3000::Cpu with a small RAM and a bus stub, under an
// instruction limit and a cycle limit. Acceptable outcomes are: the guest exits (a
// store to the exit device), a limit, or a guest error (Cpu::error()). Anything else
// is a finding: a C++ exception out of the ISS, a run that does not return within
// the wall-clock guard, a Break nobody asked for, a broken cycle account, or
// (under ASan/UBSan) a sanitizer report.
//
//   r3000_guest_fuzz [--programs N] [--seed S] [--only I] [--dump]
//
// Program I of seed S is generated from its own generator state (S, I), so
// `--seed S --only I --dump` reproduces and prints one program.
#include <atomic>
#include <chrono>
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "asm.hpp"
#include "models/mips_r3000/cpu.hpp"

using namespace vmsim::r3000;
using namespace vmsim::r3000::test;

namespace {

// Physical map seen by the core (anything else is a bus error).
constexpr uint32_t kRamSize = 64u * 1024u;       // small: programs reach its end and beyond
constexpr uint32_t kRomPa = 0x1fc00000u;         // boot ROM: BEV=1 vectors
constexpr uint32_t kExitPa = 0x1fd00000u;        // a store here ends the run: the guest exits
constexpr uint32_t kExitVa = 0xbfd00000u;
constexpr uint32_t kWindow = 0x1000u;
constexpr uint32_t kCodeVa = 0x80001000u;        // reset entry (kseg0), one page of code
constexpr unsigned kCodeWords = 1024;
constexpr uint64_t kInsnLimit = 20000;
constexpr uint64_t kCycleLimit = 50000;  // below 20000 x a cached miss: both limits are reached
constexpr int kGuardSeconds = 10;                // a run longer than this is a hang

uint64_t splitmix(uint64_t& s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct Rng {
    uint64_t s;
    uint32_t next() { return static_cast<uint32_t>(splitmix(s) >> 32); }
    uint32_t below(uint32_t n) { return next() % n; }
    bool chance(uint32_t percent) { return below(100) < percent; }
};

class StubBus : public Bus {
public:
    Cpu* cpu = nullptr;
    bool exited = false;
    std::vector<uint8_t> rom = std::vector<uint8_t>(kWindow, 0);

    bool read(uint32_t pa, unsigned size, uint32_t& value) override {
        if (in(pa, size, kRomPa)) {
            value = 0;
            for (unsigned i = 0; i < size; ++i) value |= uint32_t{rom[pa - kRomPa + i]} << (8 * i);
            return true;
        }
        if (in(pa, size, kExitPa)) {
            value = 0;
            return true;
        }
        return false;
    }
    bool write(uint32_t pa, unsigned size, uint32_t) override {
        if (in(pa, size, kExitPa)) {
            exited = true;
            cpu->break_run();
            return true;
        }
        return false;  // the ROM is read-only: a bus error
    }

private:
    static bool in(uint32_t pa, unsigned size, uint32_t base) { return pa >= base && pa + size <= base + kWindow; }
};

// The valid program the mutations start from: exit at once.
std::vector<uint32_t> exit_sequence() {
    return {enc::lui(k0, kExitVa >> 16), enc::sw(zero, 0, k0), enc::nop()};
}

uint32_t random_reg(Rng& r) { return r.below(32); }

uint32_t random_cp0_value(Rng& r) {
    switch (r.below(4)) {
    case 0: return r.next();
    case 1: return r.next() & (kStatusWritable | 0xffu);  // plausible Status bits
    case 2: return r.below(64) << 8;                      // Index
    default: return 0;
    }
}

// One instruction or a short sequence of the kinds that reach the hard paths. Every
// generator call is a statement of its own: the order of evaluation of function
// arguments and of `|` operands differs between gcc and clang, and a seed must give
// the same program in every build.
void emit_piece(Rng& r, Asm& a) {
    switch (r.below(12)) {
    case 0: a.emit(r.next()); break;  // any word: reserved encodings, coprocessor ops
    case 1: {  // a TLB write with random fields (global, valid, dirty, non-cacheable)
        const uint32_t vpn = r.next() & 0xfffff000u, asid = r.below(64) << 6;
        a.li(at, r.chance(50) ? r.next() : vpn | asid);
        a.emit(enc::mtc0(at, kCp0EntryHi));
        const uint32_t pfn = r.below(2 * kRamSize >> 12) << 12, flags = r.below(16) << 8;
        a.li(at, r.chance(50) ? r.next() : pfn | flags);
        a.emit(enc::mtc0(at, kCp0EntryLo));
        a.li(at, r.below(64) << 8);
        a.emit(enc::mtc0(at, kCp0Index));
        a.emit(r.chance(50) ? enc::tlbwi() : enc::tlbwr());
        break;
    }
    case 2: {  // a CP0 write, Status more often than the rest
        unsigned reg = r.chance(40) ? kCp0Status : r.below(32);
        a.li(at, random_cp0_value(r));
        a.emit(enc::mtc0(at, reg));
        break;
    }
    case 3: {  // jump somewhere: inside the code page, to a vector, anywhere
        static const uint32_t kTargets[] = {kCodeVa, kVecUtlb, kVecGeneral, kVecUtlbBev, 0x00400000u, 0xa0001000u};
        uint32_t t = r.chance(50) ? kCodeVa + 4u * r.below(kCodeWords)
                   : r.chance(50) ? kTargets[r.below(6)] : r.next();
        a.li(t9, t);
        a.emit(r.chance(50) ? enc::jr(t9) : enc::jalr(ra, t9));
        a.emit(r.chance(70) ? enc::nop() : r.next());  // delay slot
        break;
    }
    case 4: {  // self-modifying store into the code page
        a.li(t8, kCodeVa + 4u * r.below(kCodeWords));
        a.li(t7, r.chance(50) ? r.next() : enc::nop());
        a.emit(r.chance(70) ? enc::sw(t7, 0, t8) : r.chance(50) ? enc::sh(t7, 2, t8) : enc::swl(t7, 1, t8));
        break;
    }
    case 5: {
        const unsigned rt = random_reg(r);
        a.emit(enc::mfc0(rt, r.below(32)));
        break;
    }
    case 6: a.emit(r.chance(25) ? enc::rfe() : r.chance(33) ? enc::tlbp() : r.chance(50) ? enc::tlbr() : 0x0000000cu);
            break;
    case 7: {  // a load or store through a random base (kuseg, kseg2, devices, RAM)
        a.li(t6, r.chance(50) ? r.next() : 0x80000000u + r.below(2 * kRamSize));
        uint32_t op = r.below(8);
        int32_t off = static_cast<int32_t>(r.below(8)) - 4;
        unsigned rt = random_reg(r);
        static const uint32_t kOps[] = {0x20, 0x21, 0x22, 0x23, 0x26, 0x28, 0x29, 0x2b};
        a.emit((kOps[op] << 26) | (t6 << 21) | (rt << 16) | (static_cast<uint32_t>(off) & 0xffffu));
        break;
    }
    case 8: {  // a branch with a random offset
        const int32_t off = static_cast<int32_t>(r.below(64)) - 32;
        const unsigned rs = random_reg(r), rt = random_reg(r);
        a.emit(r.chance(50) ? enc::beq(rs, rt, off) : enc::bgezal(rs, off));
        break;
    }
    case 9: {
        const unsigned rs = random_reg(r), rt = random_reg(r);
        a.emit(r.chance(50) ? enc::div(rs, rt) : enc::mult(rs, rt));
        break;
    }
    case 10: {
        const unsigned rt = random_reg(r), rs = random_reg(r);
        a.emit(enc::addi(rt, rs, static_cast<int32_t>(r.next() & 0x7fff)));
        break;
    }
    default: for (uint32_t w : exit_sequence()) a.emit(w); break;
    }
}

std::vector<uint32_t> random_program(Rng& r, unsigned max_pieces) {
    Asm a(kCodeVa);
    unsigned n = 1 + r.below(max_pieces);
    for (unsigned i = 0; i < n && a.words().size() < kCodeWords - 16; ++i) emit_piece(r, a);
    if (r.chance(50)) for (uint32_t w : exit_sequence()) a.emit(w);
    return a.words();
}

std::vector<uint32_t> mutate(Rng& r, std::vector<uint32_t> p) {
    unsigned n = 1 + r.below(4);
    for (unsigned i = 0; i < n; ++i) {
        size_t at_word = r.below(static_cast<uint32_t>(p.size()));
        switch (r.below(4)) {
        case 0: p[at_word] ^= 1u << r.below(32); break;
        case 1: p[at_word] = r.next(); break;
        case 2: p.insert(p.begin() + static_cast<long>(at_word), r.next()); break;
        default: {
            Asm a(kCodeVa);
            emit_piece(r, a);
            const std::vector<uint32_t> piece = a.words();
            p.insert(p.begin() + static_cast<long>(at_word), piece.begin(), piece.end());
        }
        }
    }
    if (p.size() > kCodeWords) p.resize(kCodeWords);
    return p;
}

struct Program {
    std::vector<uint32_t> code;                  // at kCodeVa
    std::vector<uint32_t> vector_code[4];        // UTLB, general, BEV UTLB, BEV general
    bool cached = false, interlocked = false;
};

Program generate(uint64_t seed, uint64_t index) {
    uint64_t s = seed * 0x100000001b3ull ^ index;
    Rng r{splitmix(s)};
    Program p;
    switch (r.below(3)) {
    case 0: for (unsigned i = 0, n = 1 + r.below(64); i < n; ++i) p.code.push_back(r.next()); break;
    case 1: p.code = random_program(r, 40); break;
    default: p.code = mutate(r, r.chance(50) ? exit_sequence() : random_program(r, 8)); break;
    }
    // The vectors hold the exit sequence, nothing (zero: a nop sled), or code too. The
    // ISS fetches only from RAM, so the BEV=1 vectors in the ROM are data to it, and
    // reaching one is the documented guest error "exception vector ... has no memory".
    for (auto& v : p.vector_code) {
        uint32_t k = r.below(10);
        if (k < 5) v = exit_sequence();
        else if (k < 8) v = random_program(r, 6);
        // else: left empty
        if (v.size() > 32) v.resize(32);  // a vector slot is 0x80 bytes
    }
    p.cached = r.chance(30);
    p.interlocked = r.chance(20);
    return p;
}

enum class Outcome { Exit, InstructionLimit, CycleLimit, GuestError, Finding };

struct Result {
    Outcome outcome;
    std::string detail;  // the guest error class or what the finding is
};

void put32(uint8_t* mem, uint32_t off, uint32_t w) {
    for (unsigned i = 0; i < 4; ++i) mem[off + i] = static_cast<uint8_t>(w >> (8 * i));
}

// The guest error's kind: its message up to the first ':' or address (those vary).
std::string error_kind(const std::string& e) { return e.substr(0, std::min(e.find(':'), e.find(" 0x"))); }

Result run_program(const Program& p) {
    std::vector<uint8_t> ram(kRamSize, 0);
    StubBus bus;
    CpuConfig cfg;
    if (p.cached) cfg.memory = MemoryModel::Cached;
    if (p.interlocked) cfg.load_delay = LoadDelay::Interlocked;
    Cpu cpu(cfg, ram.data(), kRamSize, &bus);
    bus.cpu = &cpu;
    for (size_t i = 0; i < p.code.size(); ++i) put32(ram.data(), (kCodeVa & 0x1fffffffu) + 4u * static_cast<uint32_t>(i), p.code[i]);
    const uint32_t ram_vec[2] = {kVecUtlb & 0x1fffffffu, kVecGeneral & 0x1fffffffu};
    const uint32_t rom_vec[2] = {(kVecUtlbBev & 0x1fffffffu) - kRomPa, (kVecGeneralBev & 0x1fffffffu) - kRomPa};
    for (unsigned v = 0; v < 4; ++v)
        for (size_t i = 0; i < p.vector_code[v].size(); ++i) {
            uint32_t off = 4u * static_cast<uint32_t>(i);
            if (v < 2) put32(ram.data(), ram_vec[v] + off, p.vector_code[v][i]);
            else put32(bus.rom.data(), rom_vec[v - 2] + off, p.vector_code[v][i]);
        }
    cpu.reset(kCodeVa);
    StopReason why;
    try {
        why = cpu.run(kCycleLimit, kInsnLimit);
    } catch (const std::exception& e) {
        return {Outcome::Finding, std::string("C++ exception from run(): ") + e.what()};
    }
    // The cycle account documented in CpuStats must balance whatever the guest did.
    CpuStats st = cpu.stats();
    uint64_t sum = cpu.instructions() + st.icache_stall_cycles + st.dcache_stall_cycles + st.wbuf_stall_cycles +
                   st.uncached_stall_cycles + st.muldiv_stall_cycles + st.exception_cycles + st.faulted_cycles;
    if (sum != cpu.cycles())
        return {Outcome::Finding, "cycle account: parts " + std::to_string(sum) + " != cycles " + std::to_string(cpu.cycles())};
    if (cpu.instructions() > kInsnLimit) return {Outcome::Finding, "ran past the instruction limit"};
    switch (why) {
    case StopReason::Break:
        if (!bus.exited) return {Outcome::Finding, "Break without an exit store"};
        return {Outcome::Exit, ""};
    case StopReason::InstructionLimit: return {Outcome::InstructionLimit, ""};
    case StopReason::CycleLimit: return {Outcome::CycleLimit, ""};
    case StopReason::GuestError:
        if (cpu.error().empty()) return {Outcome::Finding, "guest error without a message"};
        return {Outcome::GuestError, error_kind(cpu.error())};
    }
    return {Outcome::Finding, "unknown stop reason"};
}

void dump(const Program& p) {
    std::printf("code at 0x%08x (%s, %s load delay):\n", kCodeVa, p.cached ? "cached" : "ideal",
                p.interlocked ? "interlocked" : "exact");
    for (size_t i = 0; i < p.code.size(); ++i) std::printf("  %08x: %08x\n", kCodeVa + 4u * unsigned(i), p.code[i]);
    static const uint32_t kVa[4] = {kVecUtlb, kVecGeneral, kVecUtlbBev, kVecGeneralBev};
    for (unsigned v = 0; v < 4; ++v) {
        std::printf("vector 0x%08x:", kVa[v]);
        for (uint32_t w : p.vector_code[v]) std::printf(" %08x", w);
        std::printf("\n");
    }
}

// Wall-clock guard: a watchdog thread that reports the program being run and exits
// if one run takes longer than kGuardSeconds (the ISS itself must always return).
struct Watchdog {
    std::mutex m;
    std::condition_variable cv;
    uint64_t started = 0, finished = 0;  // program counters, guarded by m
    uint64_t seed = 0, index = 0;
    bool done = false;
    std::thread t;

    void start() {
        t = std::thread([this] {
            std::unique_lock<std::mutex> lock(m);
            while (!done) {
                uint64_t seen = finished;
                if (cv.wait_for(lock, std::chrono::seconds(kGuardSeconds), [&] { return done || finished != seen; }))
                    continue;
                if (started != finished) {
                    std::printf("FINDING hang: program %llu did not return within %d s; reproduce with "
                                "--seed %llu --only %llu --dump\n",
                                static_cast<unsigned long long>(index), kGuardSeconds,
                                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(index));
                    std::fflush(stdout);
                    std::_Exit(3);
                }
            }
        });
    }
    void begin(uint64_t i) { std::lock_guard<std::mutex> g(m); index = i; ++started; }
    void end() { { std::lock_guard<std::mutex> g(m); ++finished; } cv.notify_one(); }
    void stop() { { std::lock_guard<std::mutex> g(m); done = true; } cv.notify_one(); t.join(); }
};

int usage() {
    std::fprintf(stderr, "usage: r3000_guest_fuzz [--programs N] [--seed S] [--only I] [--dump]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t programs = 1000, seed = 1, only = UINT64_MAX;
    bool want_dump = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](uint64_t& out) {
            if (i + 1 >= argc) return false;
            char* end = nullptr;
            out = std::strtoull(argv[++i], &end, 0);
            return *end == '\0';
        };
        if (a == "--programs") { if (!value(programs)) return usage(); }
        else if (a == "--seed") { if (!value(seed)) return usage(); }
        else if (a == "--only") { if (!value(only)) return usage(); }
        else if (a == "--dump") want_dump = true;
        else return usage();
    }
    uint64_t first = only == UINT64_MAX ? 0 : only;
    uint64_t last = only == UINT64_MAX ? programs : only + 1;

    Watchdog dog;
    dog.seed = seed;
    dog.start();
    std::map<std::string, uint64_t> counts;
    uint64_t findings = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = first; i < last; ++i) {
        Program p = generate(seed, i);
        if (want_dump) dump(p);
        dog.begin(i);
        Result r = run_program(p);
        dog.end();
        switch (r.outcome) {
        case Outcome::Exit: ++counts["exit"]; break;
        case Outcome::InstructionLimit: ++counts["instruction limit"]; break;
        case Outcome::CycleLimit: ++counts["cycle limit"]; break;
        case Outcome::GuestError: ++counts["guest error: " + r.detail]; break;
        case Outcome::Finding:
            ++findings;
            std::printf("FINDING program %llu: %s; reproduce with --seed %llu --only %llu --dump\n",
                        static_cast<unsigned long long>(i), r.detail.c_str(), static_cast<unsigned long long>(seed),
                        static_cast<unsigned long long>(i));
            break;
        }
    }
    dog.stop();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%llu programs (seed %llu) in %.2f s (%.0f/s); limits %llu instructions, %llu cycles\n",
                static_cast<unsigned long long>(last - first), static_cast<unsigned long long>(seed), secs,
                double(last - first) / (secs > 0 ? secs : 1), static_cast<unsigned long long>(kInsnLimit),
                static_cast<unsigned long long>(kCycleLimit));
    for (const auto& [name, n] : counts) std::printf("  %-40s %llu\n", name.c_str(), static_cast<unsigned long long>(n));
    std::printf("  %-40s %llu\n", "findings", static_cast<unsigned long long>(findings));
    return findings == 0 ? 0 : 1;
}
