// The aegis exokernel and the AVM library on the simulator: each test boots a
// kernel image (vmlib/aegis, application embedded) with `vmsim run` in a child
// process and checks the guest's exit code, its console lines and the measured
// regions of --stats-json. Behaviour is asserted, not copied output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "refill.h"
#include "vmsim_run.hpp"

namespace {

constexpr int kExitBadParam = 120;  // vmlib/aegis/include/aegis/abi.h
constexpr int kExitFault = 121;

struct GuestRun {
    int exit_code = -1;
    std::string out;
    std::vector<std::string> lines;
    std::string stats;  // the --stats-json file's text
};

// Boots `elf` with `vmsim run` (the shared run_vmsim() helper); the console and any
// simulator error line are kept together in `out`, as a person would see them.
GuestRun run(const std::string& elf, const std::vector<std::string>& extra = {}) {
    vmsim::testing::TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    std::vector<std::string> args{"run", "--quiet", "--max-instructions", "200000000", "--elf", elf,
                                  "--stats-json", json};
    args.insert(args.end(), extra.begin(), extra.end());
    const vmsim::testing::VmsimRun v = vmsim::testing::run_vmsim(args);
    GuestRun r;
    r.exit_code = v.exit_code;
    r.out = v.out + v.err;
    r.lines = vmsim::testing::split_lines(r.out);
    r.stats = vmsim::testing::read_whole_file(json);
    return r;
}

// An integer statistic of the --stats-json output, -1 if absent.
long long stat(const GuestRun& r, const std::string& key) {
    std::smatch m;
    const std::regex re("\"" + std::regex_replace(key, std::regex("\\."), "\\.") + "\": (-?[0-9]+)");
    return std::regex_search(r.stats, m, re) ? std::stoll(m[1]) : -1;
}

bool has_line(const GuestRun& r, const std::string& line) {
    for (const auto& l : r.lines)
        if (l == line) return true;
    return false;
}

int count_prefix(const GuestRun& r, const std::string& prefix) {
    int n = 0;
    for (const auto& l : r.lines) n += l.rfind(prefix, 0) == 0;
    return n;
}

// "key=value" field of the first line starting with prefix, -1 if absent.
long long field(const GuestRun& r, const std::string& prefix, const std::string& key) {
    for (const auto& l : r.lines) {
        if (l.rfind(prefix, 0) != 0) continue;
        std::smatch m;
        if (std::regex_search(l, m, std::regex(key + "=(-?[0-9]+)"))) return std::stoll(m[1]);
    }
    return -1;
}

// map/protect/fault/unprotect, dirty bits, forwarded exceptions, capabilities.
void expect_avm_test_passes(const GuestRun& r) {
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(count_prefix(r, "avm-test: FAIL"), 0) << r.out;
    EXPECT_TRUE(has_line(r, "avm-test: done")) << r.out;
    for (const char* check :
         {"read-fault", "write-fault", "range-faults", "readonly-write-fault", "dirty-after-write", "nested-fault", "nested-registers",
          "clean-unwritten", "adel-registers", "break", "alloc-specific", "alloc-taken",
          "tlb-write-bad-cap", "stlb-update-bad-cap", "tlb-write-kernel-page", "tlb-write-good-cap",
          "page-free", "protect-range", "range-unprotected", "seg1-avm-mapped", "guarantee-bad-cap",
          "guaranteed-refill", "setcap", "old-cap-revoked", "new-cap", "guarantee-revoked"})
        EXPECT_TRUE(has_line(r, std::string("avm-test: ") + check + " ok")) << check << "\n" << r.out;
    // 2 + 3 * 6 + 1 protection faults, 1 nested in a handler, 1 unmapped page (its
    // guaranteed mapping revoked by a free); two address errors and two breaks.
    EXPECT_EQ(field(r, "avm-test: stlb_entries", "faults"), 23) << r.out;
    EXPECT_EQ(field(r, "avm-test: stlb_entries", "exceptions"), 4) << r.out;
}

TEST(Aegis, AvmMapProtectFaultUnprotect) {
    const GuestRun r = run(AEGIS_AVM_TEST_ELF);
    expect_avm_test_passes(r);
    EXPECT_EQ(field(r, "avm-test: stlb_entries", "stlb_entries"), 4096) << r.out;
    EXPECT_GT(stat(r, "cpu.exceptions.Mod"), 0);  // software dirty bit and read-only page
}

TEST(Aegis, TinyStlbFromBootParameterStillCorrect) {
    const GuestRun r = run(AEGIS_SMALLSTLB_TEST_ELF);  // block says stlb_entries = 16
    expect_avm_test_passes(r);
    EXPECT_EQ(field(r, "avm-test: stlb_entries", "stlb_entries"), 16) << r.out;
}

TEST(Aegis, StlbSizeFromTheSimulatorsBootParameterBlock) {
    // (From 16 up: the guest checks that an STLB entry it just wrote is there on
    // its next call, which a 1- or 2-entry STLB may already have reused.)
    for (unsigned entries : {16u, 256u, 65536u}) {
        const GuestRun r = run(AEGIS_AVM_TEST_ELF, {"--set", "aegis.stlb_entries=" + std::to_string(entries)});
        expect_avm_test_passes(r);
        EXPECT_EQ(field(r, "avm-test: stlb_entries", "stlb_entries"), entries) << r.out;
    }
}

TEST(Aegis, SimulatorRejectsStlbSizeNotPowerOfTwoBeforeBoot) {
    const GuestRun r = run(AEGIS_AVM_TEST_ELF, {"--set", "aegis.stlb_entries=3000"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("power of two"), std::string::npos) << r.out;
    EXPECT_EQ(count_prefix(r, "avm-test:"), 0) << r.out;  // the guest never ran
}

// avm.pagetable reaches AVM through the block and the kernel (AEGIS_INFO_AVM_PAGETABLE);
// a value AVM has no structure for stops the application, naming what it has.
TEST(Aegis, AvmStopsOnAPageTableItDoesNotHave) {
    const GuestRun r = run(AEGIS_BADPT_TEST_ELF);  // the image's block says avm.pagetable = 7
    EXPECT_EQ(r.exit_code, kExitBadParam) << r.out;
    ASSERT_EQ(r.lines.size(), 1u) << r.out;
    EXPECT_NE(r.lines[0].find("avm.pagetable=7"), std::string::npos) << r.out;
    EXPECT_NE(r.lines[0].find("0 = linear"), std::string::npos) << r.out;
    EXPECT_EQ(count_prefix(r, "avm-test:"), 0) << r.out;
}

TEST(Aegis, SimulatorRejectsAnUnknownPageTableBeforeBoot) {
    const GuestRun r = run(AEGIS_AVM_TEST_ELF, {"--set", "avm.pagetable=btree"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("avm.pagetable"), std::string::npos) << r.out;
    EXPECT_EQ(count_prefix(r, "avm-test:"), 0) << r.out;  // the guest never ran
}

TEST(Aegis, StlbHitRefillFastPath) {
    const GuestRun r = run(AEGIS_STLB_TEST_ELF);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const long long pages = field(r, "stlb-test: pages", "pages");
    const long long insns = field(r, "stlb-test: pages", "fastpath_insns");
    ASSERT_GT(pages, 0) << r.out;
    // Static length of the handler's hit path (symbol range in the kernel).
    EXPECT_GT(insns, 0);
    EXPECT_LE(insns, 18) << "the AVM paper's Aegis: 18 instructions";
    // Measured: loads that each take one STLB-hit refill minus the same loads
    // hitting the TLB. A random TLB replacement may also evict the loop's code
    // page now and then (a few more STLB hits), so the quotient is >= the
    // handler's length and within one instruction of it.
    const long long hit = stat(r, "region.1.instructions"), base = stat(r, "region.2.instructions");
    ASSERT_GT(hit, 0);
    ASSERT_GT(base, 0);
    const double per_refill = double(hit - base) / double(pages);
    EXPECT_GE(per_refill, double(insns)) << "hit=" << hit << " base=" << base;
    EXPECT_LT(per_refill, double(insns) + 1.0) << "hit=" << hit << " base=" << base;
    EXPECT_EQ(stat(r, "region.1.count"), 1);
}

TEST(Aegis, ExceptionForwardingRoundTrip) {
    const GuestRun r = run(AEGIS_STLB_TEST_ELF);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const long long traps = field(r, "stlb-test: pages", "traps");
    ASSERT_GT(traps, 0);
    const long long fwd = stat(r, "region.3.instructions"), base = stat(r, "region.4.instructions");
    const long long avm = stat(r, "region.5.instructions");
    const double per_trap = double(fwd - base) / double(traps);
    const double per_trap_avm = double(avm - base) / double(traps);
    // Kernel vector + forwarding, a 3-instruction handler, the user-level return
    // stub: a small fraction of a Unix signal delivery (hundreds of instructions).
    EXPECT_GT(per_trap, 40.0);
    EXPECT_LT(per_trap, 140.0);
    EXPECT_GT(per_trap_avm, per_trap);  // AVM's dispatch on ExcCode costs a little more
    EXPECT_LT(per_trap_avm, 200.0);
    EXPECT_EQ(stat(r, "cpu.exceptions.Bp"), 2 * traps + 2);
    RecordProperty("instructions_per_forwarded_trap", std::to_string(per_trap));
}

TEST(Aegis, TwoAddressSpacesDoNotSeeEachOther) {
    const GuestRun r = run(AEGIS_ASID_TEST_ELF);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(count_prefix(r, "asid-test: env 0 FAIL"), 0) << r.out;
    EXPECT_EQ(count_prefix(r, "asid-test: env 1 FAIL"), 0) << r.out;
    for (const char* line :
         {"asid-test: env 0 asid ok", "asid-test: env 1 asid ok", "asid-test: env 1 fault ok",
          "asid-test: env 1 fresh-page ok", "asid-test: env 1 other-page-busy ok",
          "asid-test: env 1 other-page-cap ok", "asid-test: env 0 value-kept ok",
          "asid-test: env 0 value-kept-again ok", "asid-test: env 1 own-value ok",
          "asid-test: env 0 done", "asid-test: env 1 done"})
        EXPECT_TRUE(has_line(r, line)) << line << "\n" << r.out;
}

TEST(Aegis, UnhandledFaultEndsRunWithOneLine) {
    const GuestRun r = run(AEGIS_NOHANDLER_TEST_ELF);
    EXPECT_EQ(r.exit_code, kExitFault) << r.out;
    int found = 0;
    for (const auto& l : r.lines) {
        std::smatch m;
        if (std::regex_search(l, m, std::regex("^aegis: unhandled exception ExcCode=([0-9]+) "
                                               "EPC=0x([0-9a-f]{8}) BadVAddr=0x([0-9a-f]{8})"))) {
            found++;
            EXPECT_EQ(m[1], "4");  // AdEL: a user-mode load from kseg0
            EXPECT_EQ(m[3], "80000000");
            const unsigned long epc = std::stoul(m[2], nullptr, 16);
            EXPECT_GE(epc, 0x40000000ul);  // in the application's segment 1
            EXPECT_LT(epc, 0x80000000ul);
        }
    }
    EXPECT_EQ(found, 1) << r.out;
    EXPECT_EQ(count_prefix(r, "nohandler: read"), 0) << r.out;
}

TEST(Aegis, KernelRejectsStlbSizeNotPowerOfTwo) {
    const GuestRun r = run(AEGIS_BADSTLB_TEST_ELF);  // the image's block says 3000
    EXPECT_EQ(r.exit_code, kExitBadParam) << r.out;
    ASSERT_EQ(r.lines.size(), 1u) << r.out;
    EXPECT_NE(r.lines[0].find("stlb_entries=3000"), std::string::npos) << r.out;
    EXPECT_NE(r.lines[0].find("power of two"), std::string::npos) << r.out;
    EXPECT_EQ(stat(r, "cpu.exceptions.Sys"), 0);  // before any application ran
}

// ---- several environments (vmlib/aegis/kernel/sched.c) ---------------------------

// Index of the first line starting with prefix, -1 if none.
long first_line(const GuestRun& r, const std::string& prefix) {
    for (size_t i = 0; i < r.lines.size(); ++i)
        if (r.lines[i].rfind(prefix, 0) == 0) return static_cast<long>(i);
    return -1;
}

// A counter of the kernel's last line ("aegis: envs=... key=N ..."), -1 if absent.
long long kernel_count(const GuestRun& r, const std::string& key) { return field(r, "aegis: envs=", key); }

std::string env_line(const char* prog, int env, const std::string& what) {
    return std::string(prog) + ": env " + std::to_string(env) + " " + what;
}

constexpr int kSchedEnvs = 3;  // aegis_sched_test and aegis_recycle_test run 3 by default

TEST(AegisEnvs, TimerPreemptsEnvironmentsThatNeverYield) {
    // 3001 cycles: short enough for many preemptions inside every phase of the
    // test, and (with the loop's varying delay) landing in both halves of the
    // return stub.
    const GuestRun r = run(AEGIS_SCHED_TEST_ELF, {"--set", "aegis.timeslice=3001"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(count_prefix(r, "sched-test: env"), kSchedEnvs * 7) << r.out;  // 4 steps, regs, traps, done
    // Each step lasts many time slices: every env starts before any gets far.
    long last_step0 = -1, first_step1 = static_cast<long>(r.lines.size());
    for (int e = 0; e < kSchedEnvs; ++e) {
        const long s0 = first_line(r, env_line("sched-test", e, "step 0"));
        const long s1 = first_line(r, env_line("sched-test", e, "step 1"));
        ASSERT_GE(s0, 0) << r.out;
        ASSERT_GE(s1, 0) << r.out;
        last_step0 = std::max(last_step0, s0);
        first_step1 = std::min(first_step1, s1);
        // Every register, HI and LO came back after each preemption, also those
        // that hit a forwarded exception's handler or the return stub.
        for (const char* what : {"regs ok", "traps ok", "done"})
            EXPECT_TRUE(has_line(r, env_line("sched-test", e, what))) << what << "\n" << r.out;
    }
    EXPECT_LT(last_step0, first_step1) << r.out;
    const long long preemptions = kernel_count(r, "preemptions");
    EXPECT_GT(preemptions, 100) << r.out;
    // Every tick preempts, but one that comes while the kernel switches after an
    // exit: the switch restarts the timer (a whole slice for the next env).
    EXPECT_LE(preemptions, stat(r, "timer.interrupts"));
    EXPECT_GE(preemptions + kSchedEnvs, stat(r, "timer.interrupts"));
    EXPECT_GT(kernel_count(r, "stub_restarts"), 0) << r.out;
    EXPECT_GT(kernel_count(r, "stub_finishes"), 0) << r.out;
    EXPECT_EQ(kernel_count(r, "timeslice"), 3001) << r.out;
}

TEST(AegisEnvs, WithoutTimerTicksEnvironmentsRunOneAfterAnother) {
    // A time slice longer than the whole run: only yield and exit switch.
    const GuestRun r = run(AEGIS_SCHED_TEST_ELF, {"--set", "aegis.timeslice=2000000000"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(kernel_count(r, "preemptions"), 0) << r.out;
    for (int e = 0; e + 1 < kSchedEnvs; ++e)
        EXPECT_LT(first_line(r, env_line("sched-test", e, "done")),
                  first_line(r, env_line("sched-test", e + 1, "step 0")))
            << r.out;
}

TEST(AegisEnvs, OneEnvironmentRunsWithoutTheTimer) {
    const GuestRun r = run(AEGIS_SCHED_TEST_ELF, {"--set", "aegis.nenvs=1", "--set", "aegis.timeslice=3001"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(has_line(r, "sched-test: env 0 done")) << r.out;
    EXPECT_EQ(count_prefix(r, "sched-test: env 1"), 0) << r.out;
    EXPECT_EQ(kernel_count(r, "envs"), 1) << r.out;
    EXPECT_EQ(kernel_count(r, "timeslice"), 0) << r.out;  // no timer programmed
    EXPECT_EQ(stat(r, "timer.interrupts"), 0);
}

// Three envs, two ASIDs: nearly every switch hands the incoming env an ASID whose
// previous holder left TLB and STLB entries for pages at the same addresses.
bool recycle_test_passed(const GuestRun& r) {
    bool all_done = true;
    for (int e = 0; e < kSchedEnvs; ++e) all_done = all_done && has_line(r, env_line("recycle-test", e, "done"));
    // Two lines per env (asid changes, done), no FAIL line.
    return r.exit_code == 0 && all_done && count_prefix(r, "recycle-test: env") == kSchedEnvs * 2;
}

void expect_recycle_test_passes(const GuestRun& r) { EXPECT_TRUE(recycle_test_passed(r)) << r.out; }

TEST(AegisEnvs, RecycledAsidsLeaveNoStaleTranslation) {
    const GuestRun r = run(AEGIS_RECYCLE_TEST_ELF, {"--set", "aegis.asids=2"});
    expect_recycle_test_passes(r);
    EXPECT_GT(kernel_count(r, "asid_steals"), 20) << r.out;  // 12 rounds of 3 envs
    EXPECT_GE(kernel_count(r, "asid_flushes"), kernel_count(r, "asid_steals")) << r.out;
    for (int e = 0; e < kSchedEnvs; ++e)
        EXPECT_GT(field(r, env_line("recycle-test", e, "asid changes="), "changes"), 5) << r.out;
}

TEST(AegisEnvs, EnoughAsidsAreNeverRecycled) {
    const GuestRun r = run(AEGIS_RECYCLE_TEST_ELF);  // 64 ASIDs
    expect_recycle_test_passes(r);
    EXPECT_EQ(kernel_count(r, "asid_steals"), 0) << r.out;
    EXPECT_EQ(kernel_count(r, "asid_flushes"), 0) << r.out;
    for (int e = 0; e < kSchedEnvs; ++e)
        EXPECT_EQ(field(r, env_line("recycle-test", e, "asid changes="), "changes"), 0) << r.out;
}

TEST(AegisEnvs, MoreEnvironmentsThanTheImageHoldsStopAtBoot) {
    const GuestRun r = run(AEGIS_RECYCLE_TEST_ELF, {"--set", "aegis.nenvs=5"});  // built with MAX_ENVS 4
    EXPECT_EQ(r.exit_code, kExitBadParam) << r.out;
    ASSERT_EQ(r.lines.size(), 1u) << r.out;
    EXPECT_NE(r.lines[0].find("aegis.nenvs=5"), std::string::npos) << r.out;
    EXPECT_EQ(stat(r, "cpu.exceptions.Sys"), 0);  // before any application ran
}

TEST(AegisEnvs, RecyclingWorksWithEveryNumberOfEnvironmentsUpToTheImages) {
    for (const char* n : {"1", "2", "4"}) {
        const GuestRun r = run(AEGIS_RECYCLE_TEST_ELF, {"--set", std::string("aegis.nenvs=") + n, "--set",
                                                        "aegis.asids=2"});
        EXPECT_EQ(r.exit_code, 0) << n << "\n" << r.out;
        EXPECT_EQ(count_prefix(r, "recycle-test: env"), 2 * std::stoi(n)) << r.out;
        EXPECT_EQ(kernel_count(r, "asid_steals") > 0, std::stoi(n) > 2) << r.out;
    }
}

TEST(AegisEnvs, SimulatorRejectsSchedulingParametersOutOfRange) {
    for (const char* bad : {"aegis.asids=1", "aegis.asids=65", "aegis.timeslice=999", "aegis.nenvs=65"}) {
        const GuestRun r = run(AEGIS_RECYCLE_TEST_ELF, {"--set", bad});
        EXPECT_NE(r.exit_code, 0) << bad;
        EXPECT_NE(r.out.find(std::string(bad).substr(0, std::string(bad).find('='))), std::string::npos)
            << bad << "\n" << r.out;
        EXPECT_EQ(count_prefix(r, "recycle-test:"), 0) << r.out;  // the guest never ran
    }
}

// The negative controls: the same test on kernels that skip one of the two
// flushes of a reused ASID fails, so the test above does depend on both.
TEST(AegisEnvs, WithoutTheStlbFlushARecycledAsidReadsAnotherEnvsPage) {
    const GuestRun r = run(AEGIS_RECYCLE_NOFLUSH_STLB_TEST_ELF, {"--set", "aegis.asids=2"});
    EXPECT_NE(r.exit_code, 0) << r.out;
    int foreign = 0;  // values another env wrote: (env << 24) | ...
    for (const auto& l : r.lines) {
        std::smatch m;
        if (std::regex_search(l, m, std::regex("^recycle-test: env ([0-9]) FAIL round [0-9]+ page [0-9] "
                                               "read 0x([0-9a-f]{8})")))
            foreign += std::stoul(m[2], nullptr, 16) >> 24 != std::stoul(m[1]);
    }
    EXPECT_GT(foreign, 0) << r.out;
}

TEST(AegisEnvs, WithoutTheTlbFlushARecycledAsidBreaksTheEnvironments) {
    // Stale TLB entries of segment 1 too: an env runs on another's stack and data,
    // with whatever outcome; it is not the passing run.
    const GuestRun r = run(AEGIS_RECYCLE_NOFLUSH_TLB_TEST_ELF, {"--set", "aegis.asids=2"});
    EXPECT_FALSE(recycle_test_passed(r)) << r.out;
}

// ---- STLB organisations (aegis.stlb_org) -------------------------------------------

const char* const kOrgs[] = {"direct", "2way", "none"};

GuestRun run_org(const std::string& elf, const std::string& org, unsigned entries) {
    return run(elf, {"--set", "aegis.stlb_org=" + org, "--set", "aegis.stlb_entries=" + std::to_string(entries)});
}

// Every maintenance path with the entry under test in way 1 of a 2way STLB (direct:
// the same slot; none: no STLB): a read after it returns the frame the application's
// page table names, and the STLB served it exactly when the organisation holds the
// entry (the guest checks both). A stale translation in either way fails a -value
// check; an entry lost from way 1 fails a -hit check.
TEST(AegisStlbOrg, NoStaleTranslationSurvivesAnyMaintenancePath) {
    for (const char* org : kOrgs)
        for (unsigned entries : {64u, 8192u}) {
            const GuestRun r = run_org(AEGIS_STLBORG_TEST_ELF, org, entries);
            const std::string what = std::string(org) + " " + std::to_string(entries);
            EXPECT_EQ(r.exit_code, 0) << what << "\n" << r.out;
            EXPECT_EQ(count_prefix(r, "stlb-org: FAIL"), 0) << what << "\n" << r.out;
            EXPECT_TRUE(has_line(r, "stlb-org: env=0 done")) << what << "\n" << r.out;
            for (const char* check :
                 {"way1-holds-a", "update-a-value", "update-b-value", "tlbwrite-a-value", "tlbwrite-b-value",
                  "third-evicts-oldest", "flush-way1-a-value", "flush-way0-keeps-a-value", "flush-way0-a-stays-value",
                  "rewrite-way0-flush-a-value", "protect-way1", "protect-way1-stays", "unprotect-a-value",
                  "range-protect-way1", "range-p3-value", "range-q3-value", "revoke-setcap-way1-value",
                  "revoke-free-way1-value", "revoke-way0-keeps-b-value", "flush-asid-a-value", "flush-asid-b-value"})
                EXPECT_TRUE(has_line(r, std::string("stlb-org: ") + check + " ok")) << what << " " << check;
            // Under 2way, way 1 was where the guest expected it: served by the STLB.
            if (std::string(org) == "2way") {
                for (const char* hit : {"update-b-hit", "flush-way0-a-stays-hit", "range-q3-hit", "revoke-way0-keeps-b-hit"})
                    EXPECT_TRUE(has_line(r, std::string("stlb-org: ") + hit + " ok")) << what << " " << hit;
            }
            const long long sets = field(r, "stlb-org: env=0 org", "sets");
            EXPECT_EQ(sets, std::string(org) == "2way" ? entries / 2 : std::string(org) == "direct" ? entries : 64)
                << what;
        }
}

// Another address space's flush of its own ASID leaves this one's entries (a 2way set
// holding both: the flush moves ours up from way 1), and flushes its own. (The two
// environments take turns at aegis_yield: a time slice longer than the run.)
TEST(AegisStlbOrg, AnotherAddressSpacesFlushLeavesOursAlone) {
    for (const char* org : kOrgs) {
        const GuestRun r = run(AEGIS_STLBORG2_TEST_ELF, {"--set", std::string("aegis.stlb_org=") + org, "--set",
                                                         "aegis.stlb_entries=64", "--set", "aegis.timeslice=2147483647"});
        EXPECT_EQ(r.exit_code, 0) << org << "\n" << r.out;
        EXPECT_EQ(count_prefix(r, "stlb-org: FAIL"), 0) << org << "\n" << r.out;
        for (const char* check :
             {"other-asid-flush", "other-asid-kept-value", "own-asid-flushed-value", "own-asid-flushed-miss"})
            EXPECT_TRUE(has_line(r, std::string("stlb-org: ") + check + " ok")) << org << " " << check;
        if (std::string(org) == "2way") {  // both envs' entries in one set: ours still served
            EXPECT_TRUE(has_line(r, "stlb-org: other-asid-kept-hit ok")) << r.out;
        }
    }
}

// AVM and several address spaces work whatever the organisation and size.
TEST(AegisStlbOrg, AvmAndAddressSpacesWorkUnderEveryOrganisation) {
    for (const char* org : kOrgs)
        for (unsigned entries : {64u, 8192u}) {
            const GuestRun r = run_org(AEGIS_AVM_TEST_ELF, org, entries);
            SCOPED_TRACE(std::string(org) + " " + std::to_string(entries));
            expect_avm_test_passes(r);
            EXPECT_EQ(field(r, "avm-test: stlb_entries", "stlb_entries"), std::string(org) == "none" ? 0 : entries);
            const GuestRun two = run_org(AEGIS_ASID_TEST_ELF, org, entries);
            EXPECT_EQ(two.exit_code, 0) << two.out;
            EXPECT_TRUE(has_line(two, "asid-test: env 0 value-kept-again ok")) << two.out;
            EXPECT_TRUE(has_line(two, "asid-test: env 1 own-value ok")) << two.out;
        }
}

// Instructions of one kind of refill in workloads/refill (refill.h): an event's
// instructions beyond its base region's per entry, over the events with the fewest
// exceptions; -1 if those disagree or the kind was not measured.
long long clean_refill(const GuestRun& r, unsigned kind, long long* exceptions = nullptr) {
    const std::string base = "region." + std::to_string(REFILL_REGION_BASE(kind)) + ".";
    const long long n = stat(r, base + "count");
    if (n <= 0) return -1;
    const long long bi = stat(r, base + "instructions") / n, bf = stat(r, base + "faulted") / n;
    long long best_f = -1, insns = -1;
    for (unsigned i = 0; i < REFILL_EVENTS; ++i) {
        const std::string e = "region." + std::to_string(REFILL_REGION_EVENT(kind, i)) + ".";
        const long long f = stat(r, e + "faulted") - bf, d = stat(r, e + "instructions") - bi;
        if (best_f < 0 || f < best_f) {
            best_f = f;
            insns = d;
        } else if (f == best_f && d != insns) {
            return -1;
        }
    }
    if (exceptions) *exceptions = best_f;
    return insns;
}

// The hit paths measured by running them take what the handler's code says (its
// static length, AEGIS_INFO_FASTPATH_*): direct and way 0 of 2way one path, way 1
// longer; with no STLB there is no hit, and a miss to the application costs more.
TEST(AegisStlbOrg, HitPathsMeasuredTakeTheHandlersInstructions) {
    long long way1 = -1, none_miss = -1;
    for (const char* org : kOrgs) {
        const GuestRun r = run_org(AEGIS_REFILL_ELF, org, 512);
        ASSERT_EQ(r.exit_code, 0) << org << "\n" << r.out;
        const long long fast = field(r, "refill: org", "fastpath_insns");
        const long long fast1 = field(r, "refill: org", "way1_insns");
        long long exceptions = 0;
        const long long hit = clean_refill(r, REFILL_KIND_HIT, &exceptions);
        if (std::string(org) == "none") {
            EXPECT_EQ(hit, -1) << "no STLB, no hit";
            EXPECT_EQ(fast, 0);
            none_miss = clean_refill(r, REFILL_KIND_MISS);
            continue;
        }
        EXPECT_EQ(exceptions, 1) << org << ": a hit is one refill";
        EXPECT_EQ(hit, fast) << org;
        EXPECT_LE(hit, 18) << org << ": the AVM paper's Aegis: 18 instructions";
        if (std::string(org) == "2way") {
            way1 = clean_refill(r, REFILL_KIND_WAY1, &exceptions);
            EXPECT_EQ(exceptions, 1);
            EXPECT_EQ(way1, fast1);
            EXPECT_GT(way1, hit);
        } else {
            EXPECT_EQ(clean_refill(r, REFILL_KIND_WAY1), -1) << "direct has no way 1";
        }
        EXPECT_GT(clean_refill(r, REFILL_KIND_MISS), hit) << org;
    }
    EXPECT_GT(none_miss, way1);
}

// ASID recycling (sched.c) flushes a recycled ASID's STLB entries in every
// organisation: the recycle test passes, and without that flush a two-way STLB keeps
// stale entries as a direct-mapped one does (with no STLB there is nothing to flush).
TEST(AegisStlbOrg, RecycledAsidsLeaveNoStaleEntryInAnyOrganisation) {
    for (const char* org : kOrgs) {
        const std::string set = std::string("aegis.stlb_org=") + org;
        expect_recycle_test_passes(run(AEGIS_RECYCLE_TEST_ELF, {"--set", "aegis.asids=2", "--set", set}));
        const GuestRun noflush = run(AEGIS_RECYCLE_NOFLUSH_STLB_TEST_ELF, {"--set", "aegis.asids=2", "--set", set});
        EXPECT_EQ(recycle_test_passed(noflush), std::string(org) == "none") << org << "\n" << noflush.out;
    }
}

TEST(AegisStlbOrg, KernelRejectsAnUnknownOrganisation) {
    const GuestRun r = run(AEGIS_BADORG_TEST_ELF);  // the image's block says stlb_org = 7
    EXPECT_EQ(r.exit_code, kExitBadParam) << r.out;
    ASSERT_EQ(r.lines.size(), 1u) << r.out;
    EXPECT_NE(r.lines[0].find("stlb_org=7"), std::string::npos) << r.out;
    EXPECT_NE(r.lines[0].find("2 = none"), std::string::npos) << r.out;
}

TEST(AegisStlbOrg, SimulatorRejectsABadOrganisationBeforeBoot) {
    const GuestRun bad = run(AEGIS_AVM_TEST_ELF, {"--set", "aegis.stlb_org=4way"});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.out.find("aegis.stlb_org"), std::string::npos) << bad.out;
    EXPECT_EQ(count_prefix(bad, "avm-test:"), 0) << bad.out;
    // a 2way STLB is sets of two entries
    const GuestRun one = run_org(AEGIS_AVM_TEST_ELF, "2way", 1);
    EXPECT_NE(one.exit_code, 0);
    EXPECT_NE(one.out.find("aegis.stlb_entries"), std::string::npos) << one.out;
    EXPECT_EQ(count_prefix(one, "avm-test:"), 0) << one.out;
}

#ifdef AEGIS_APPEL_ELF
// The shared Appel-Li benchmark program through the AVM binding of vmbench.h.
TEST(Aegis, AppelBenchmarksRunOnAvm) {
    const GuestRun r = run(AEGIS_APPEL_ELF);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(has_line(r, "appel done")) << r.out;
    EXPECT_EQ(count_prefix(r, "appel dirty n/a"), 0) << r.out;  // AVM answers dirty queries
    EXPECT_EQ(count_prefix(r, "appel: check failed"), 0) << r.out;
    // Protection faults reach the handler as forwarded exceptions, never as
    // unhandled ones; the kernel fast path serves the rest.
    EXPECT_GT(stat(r, "cpu.exceptions.TLBL") + stat(r, "cpu.exceptions.TLBS"), 0);
    EXPECT_GT(stat(r, "tlb.refill_exceptions"), 0);
}
#endif

}  // namespace
