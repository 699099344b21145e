// The R3000 trap-driven replay (sim/platform/r3000/replay.cpp) on generated reference
// streams, against a deliberately naive model of the 64-entry TLB and against the refill
// handler's own code. Each replay runs in a forked child (SystemC elaborates once per
// process), which sends its statistics back through a pipe.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/platform/r3000/replay.hpp"
#include "vmsim/replay.h"

namespace vmsim::platform {
namespace {

using trace::Kind;
using trace::Ref;

// References from a function of their index, in the batches the engine asks for.
class GeneratedSource final : public trace::RefSource {
public:
    GeneratedSource(uint64_t count, std::function<Ref(uint64_t)> ref) : count_(count), ref_(std::move(ref)) {}
    std::size_t read(Ref* out, std::size_t max) override {
        std::size_t n = 0;
        for (; n < max && next_ < count_; ++n) out[n] = ref_(next_++);
        return n;
    }

private:
    uint64_t count_, next_ = 0;
    std::function<Ref(uint64_t)> ref_;
};

struct Outcome {
    std::map<std::string, double> stats;  // every numeric statistic
    std::string error;                    // a UserError's message, or the run's
    double operator[](const std::string& name) const {
        const auto it = stats.find(name);
        if (it == stats.end()) ADD_FAILURE() << "no statistic " << name;
        return it == stats.end() ? -1 : it->second;
    }
};

// Replays `count` references from `ref` in a child process.
Outcome replay(uint64_t count, const std::function<Ref(uint64_t)>& ref, ReplayOptions options = {},
               R3000Config config = {}) {
    int fds[2];
    if (pipe(fds) != 0) ADD_FAILURE() << "pipe";
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::ostringstream out;
        try {
            GeneratedSource source(count, ref);
            options.kernel = AEGIS_REPLAY_ELF;
            std::FILE* null = std::fopen("/dev/null", "w");
            options.console = null;
            stats::Registry stats;
            const ReplayResult r = replay_r3000(config, source, options, stats);
            if (!r.input_error.empty())
                out << "error input (" << r.input_error_code << "): " << r.input_error << '\n';
            else if (r.run.outcome != platform::Outcome::Exited || r.run.exit_code != 0)
                out << "error " << r.run.message << " (exit " << r.run.exit_code << ")\n";
            for (const stats::Stat& s : stats.all()) {
                if (const auto* c = std::get_if<uint64_t>(&s.value)) out << s.name << ' ' << *c << '\n';
                if (const auto* d = std::get_if<double>(&s.value)) out << s.name << ' ' << *d << '\n';
            }
        } catch (const std::exception& e) {
            out << "error " << e.what() << '\n';
        }
        const std::string text = out.str();
        for (size_t done = 0; done < text.size();) {
            const ssize_t n = write(fds[1], text.data() + done, text.size() - done);
            if (n <= 0) break;
            done += static_cast<size_t>(n);
        }
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "replay child died";
    Outcome o;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const size_t sp = line.find(' ');
        if (line.rfind("error ", 0) == 0)
            o.error = line.substr(6);
        else
            o.stats[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
    }
    return o;
}

// A deliberately naive model of the R3000 TLB as the guest refills it: 64 entries
// searched one by one; a refill (tlbwr) replaces one of entries 8..63 (Random never
// names the 8 wired ones), here drawn from a seeded generator. What the replay must
// agree with is what does not depend on which entry Random names.
class NaiveTlb {
public:
    explicit NaiveTlb(uint32_t seed) : rng_(seed) { pages_.assign(64, ~uint64_t{0}); }
    // True on a miss (and then refills).
    bool miss(uint64_t page) {
        for (uint64_t p : pages_)
            if (p == page) return false;
        pages_[8 + rng_() % 56] = page;
        return true;
    }

private:
    std::vector<uint64_t> pages_;
    std::mt19937 rng_;
};

uint64_t naive_misses(uint64_t count, uint64_t skip, const std::function<Ref(uint64_t)>& ref) {
    NaiveTlb tlb(1);
    uint64_t misses = 0;
    for (uint64_t i = 0; i < count; ++i)
        if (tlb.miss(ref(i).addr >> 12) && i >= skip) ++misses;
    return misses;
}

// A cyclic walk over `pages` pages of an x86-64 heap-like address, one load per page.
std::function<Ref(uint64_t)> cycle(uint64_t pages, uint64_t base = 0x55555555a000ull) {
    return [=](uint64_t i) { return Ref{base + (i % pages) * 4096 + (i * 8) % 4096, 8, Kind::Load}; };
}

// The instructions of the aegis UTLB-refill fast path (an STLB hit), counted in the
// kernel image's disassembly between its two symbols.
unsigned fast_path_instructions() {
    const auto address = [](const std::string& symbol) {
        const std::string cmd = std::string(MIPS_OBJDUMP) + " -t " + AEGIS_REPLAY_ELF + " | grep ' " + symbol + "$'";
        std::FILE* p = popen(cmd.c_str(), "r");
        char line[512] = {};
        const bool ok = p && std::fgets(line, sizeof line, p);
        if (p) pclose(p);
        EXPECT_TRUE(ok) << "no symbol " << symbol;
        return std::stoull(line, nullptr, 16);
    };
    const uint64_t start = address("vmsim_utlb_vector"), stop = address("aegis_utlb_fast_end");
    const std::string cmd = std::string(MIPS_OBJDUMP) + " -d --start-address=" + std::to_string(start) +
                            " --stop-address=" + std::to_string(stop) + " " + AEGIS_REPLAY_ELF;
    std::FILE* p = popen(cmd.c_str(), "r");
    unsigned n = 0;
    char line[512];
    // An instruction line: "80000000:\t401a2000 \tmfc0\tk0,c0_context"
    while (p && std::fgets(line, sizeof line, p)) {
        unsigned long addr = 0, word = 0;
        if (std::sscanf(line, " %lx:\t%lx", &addr, &word) == 2) ++n;
    }
    if (p) pclose(p);
    return n;
}

TEST(R3000Replay, StreamOfNewPagesMissesOncePerPageAndMapsEachOnFirstTouch) {
    // Pages in three regions far apart in a 64-bit address space, each touched once.
    const auto ref = [](uint64_t i) {
        const uint64_t bases[] = {0x400000ull, 0x7ffff7a00000ull, 0x555555554000ull};
        return Ref{bases[i % 3] + (i / 3) * 4096, 4, i % 2 ? Kind::Store : Kind::Load};
    };
    const uint64_t n = 1500;
    const Outcome o = replay(n, ref);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o["replay.references"], n);
    EXPECT_EQ(o["replay.tlb_misses"], naive_misses(n, 0, ref));
    EXPECT_EQ(o["replay.tlb_misses"], n);
    EXPECT_EQ(o["replay.trace_regions"], 3);
    // The guest's fault handler mapped every page once; its STLB never held one.
    EXPECT_EQ(o["guest.17"], n);
    EXPECT_EQ(o["replay.fast_refills"], 0);
    // The refills the guest executed in the region are the replay's and those its
    // handlers took for their own pages (AVM's code, stack and page table in segment 1).
    EXPECT_EQ(o["region.63.utlb_refills"], o["replay.refill_exceptions"] + o["replay.guest_refills"]);
    EXPECT_GT(o["replay.guest_refills"], 0);
    // A first touch: the miss, the fault handler's mapping, the retry's refill.
    EXPECT_EQ(o["replay.refill_exceptions"], 2 * n);
}

TEST(R3000Replay, WorkingSetThatFitsTheTlbNeverMissesAfterWarmUp) {
    const uint64_t pages = 48, rounds = 200;
    ReplayOptions opt;
    opt.skip = pages * 100;
    const Outcome o = replay(pages * rounds, cycle(pages), opt);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o["replay.references"], pages * (rounds - 100));
    EXPECT_EQ(o["replay.skipped"], pages * 100);
    EXPECT_EQ(o["replay.tlb_misses"], naive_misses(pages * rounds, opt.skip, cycle(pages)));
    EXPECT_EQ(o["replay.tlb_misses"], 0);
    EXPECT_EQ(o["replay.refill_cycles"], 0);
}

TEST(R3000Replay, CycleOverManyMorePagesThanTheTlbMissesEveryReferenceAndHitsTheStlb) {
    // 1000 pages cycled: a page survives 999 refills into 56 random entries with
    // probability (55/56)^999, about 1e-8; the 4096-entry direct-mapped STLB holds all.
    const uint64_t pages = 1000;
    ReplayOptions opt;
    opt.skip = pages;
    const Outcome o = replay(pages * 3, cycle(pages), opt);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o["replay.tlb_misses"], naive_misses(pages * 3, pages, cycle(pages)));
    EXPECT_EQ(o["replay.tlb_misses"], 2 * pages);
    EXPECT_EQ(o["replay.refill_exceptions"], 2 * pages);
    EXPECT_EQ(o["replay.fast_refills"], 2 * pages);
    EXPECT_EQ(o["replay.guest_refills"], 0);
    EXPECT_EQ(o["replay.tlb_misses.load"], 2 * pages);
    // Each miss ran the STLB-hit path of the kernel's refill vector, and nothing else;
    // plus exception entry (cpu.exception_cycles, 2) per miss on the cycle side.
    const unsigned handler = fast_path_instructions();
    EXPECT_GT(handler, 5u);
    EXPECT_EQ(o["replay.refill_instructions_per_miss"], handler);
    EXPECT_EQ(o["replay.refill_cycles_per_miss"], handler + R3000Config{}.cpu.exception_entry_cycles);
}

TEST(R3000Replay, StlbMissesGoToTheApplicationsHandler) {
    // A 64-entry STLB cannot hold 1000 pages: every miss is forwarded to AVM.
    const uint64_t pages = 1000;
    ReplayOptions opt;
    opt.skip = pages;
    R3000Config config;
    config.stlb_entries = 64;
    const Outcome o = replay(pages * 3, cycle(pages), opt, config);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o["replay.tlb_misses"], 2 * pages);
    EXPECT_EQ(o["replay.fast_refills"], 0);
    // Forwarded over the whole run: the warm-up's first touches (twice each) and these.
    EXPECT_EQ(o["guest.16"], 2 * pages + 2 * pages);
    const double per_miss = o["replay.refill_instructions_per_miss"];
    EXPECT_GT(per_miss, 4 * fast_path_instructions());
    EXPECT_LT(per_miss, 2000);
}

TEST(R3000Replay, FootprintBeyondRamSharesFramesAndStillMissesOncePerPage) {
    R3000Config config;
    config.mem_size = 8 << 20;  // the STLB sits at 4 MB: about 1000 frames left above it
    const uint64_t pages = 3000;
    const Outcome o = replay(pages, cycle(pages), {}, config);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o["replay.tlb_misses"], pages);
    EXPECT_EQ(o["guest.17"], pages);
    EXPECT_GT(o["guest.18"], 0);
    EXPECT_LT(o["guest.18"], pages);
}

TEST(R3000Replay, GuestThatCannotMapAPageStopsTheReplayWithItsExitCode) {
    // The inverted page table holds one page per frame and 64 aliases: no more.
    R3000Config config;
    config.mem_size = 8 << 20;
    config.avm_pagetable = VMSIM_AVM_PT_INVERTED;
    const Outcome o = replay(3000, cycle(3000), {}, config);
    EXPECT_NE(o.error.find("exited (code 121) while handling a reference"), std::string::npos) << o.error;
}

TEST(R3000Replay, SameInputGivesIdenticalStatistics) {
    std::mt19937_64 rng(7);
    std::vector<Ref> refs;
    for (int i = 0; i < 20000; ++i) {
        const uint64_t page = rng() % 300;
        refs.push_back(Ref{0x10000000ull + page * 4096 + rng() % 4096, 4, static_cast<Kind>(rng() % 4)});
    }
    const auto ref = [&refs](uint64_t i) { return refs[i]; };
    Outcome a = replay(refs.size(), ref), b = replay(refs.size(), ref);
    ASSERT_EQ(a.error, "");
    for (auto* o : {&a, &b})
        for (auto it = o->stats.begin(); it != o->stats.end();)
            it = it->first.rfind("host.", 0) == 0 ? o->stats.erase(it) : std::next(it);
    EXPECT_EQ(a.stats, b.stats);
    EXPECT_GT(a["replay.tlb_misses"], 300);
}

TEST(R3000Replay, ModifyIsALoadThenAStoreThatDirtiesThePage) {
    // AVM installs a page read-only until its first write: a modify's store then takes Mod.
    const Outcome o = replay(1, [](uint64_t) { return Ref{0x20000000ull, 4, Kind::Modify}; });
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o["replay.tlb_misses.modify"], 1);
    EXPECT_EQ(o["replay.other_traps"], 1);
    EXPECT_EQ(o["cpu.exceptions.Mod"], 1);
}

TEST(R3000Replay, PageCrossingTouchesTheSecondPageOnlyWhenSplit) {
    const auto ref = [](uint64_t) { return Ref{0x30001ffcull, 8, Kind::Load}; };
    const Outcome whole = replay(1, ref);
    ReplayOptions opt;
    opt.split_page_crossing = true;
    const Outcome split = replay(1, ref, opt);
    ASSERT_EQ(whole.error, "");
    ASSERT_EQ(split.error, "");
    EXPECT_EQ(whole["replay.page_crossings"], 1);
    EXPECT_EQ(whole["replay.tlb_misses"], 1);
    EXPECT_EQ(split["replay.tlb_misses"], 2);
}

TEST(R3000Replay, LimitStopsAfterThatManyReferencesPastTheSkipped) {
    ReplayOptions opt;
    opt.skip = 10;
    opt.limit = 25;
    const Outcome o = replay(1000, cycle(100), opt);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o["replay.skipped"], 10);
    EXPECT_EQ(o["replay.references"], 25);
    EXPECT_EQ(o["replay.tlb_misses"], 25);  // pages 10..34, first touched after the warm-up
}

TEST(R3000Replay, ReadersErrorEndsTheReplayAndIsReturnedWithItsExitCode) {
    const Outcome o = replay(10000, [](uint64_t i) {
        if (i == 5000) throw UserError(kExitDataErr, "trace.vmt: byte 9612: truncated record");
        return Ref{0x10000000ull + (i % 50) * 4096, 4, Kind::Load};
    });
    EXPECT_EQ(o.error, "input (65): trace.vmt: byte 9612: truncated record");
    // The references read before the bad one were replayed and counted.
    EXPECT_GT(o["replay.references"], 0);
    EXPECT_LT(o["replay.references"], 5000);
}

TEST(R3000Replay, TraceSpanningMoreRegionsThanTheWindowIsAnInputError) {
    const uint64_t regions = (VMSIM_REPLAY_WINDOW_END - VMSIM_REPLAY_WINDOW_BASE) >> VMSIM_REPLAY_REGION_SHIFT;
    const Outcome o = replay(regions + 1, [](uint64_t i) { return Ref{i << 32, 4, Kind::Load}; });
    EXPECT_NE(o.error.find("more than " + std::to_string(regions) + " regions of 16 MB"), std::string::npos)
        << o.error;
}

}  // namespace
}  // namespace vmsim::platform

// SystemC's library wants an sc_main; the tests' main is GoogleTest's, and each replay
// elaborates in a forked child instead.
extern "C" int sc_main(int, char**) { return 0; }
