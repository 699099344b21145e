// The full-system oracle: the Multiboot guest sys_program/ (GDT, IDT, TSS, paging with 4 KB and 4 MB
// pages, #PF, #DF, the timer, ring 3, system calls, #GP at CPL 3) runs on the i386 platform
// (models/x86_64/pc.hpp) and on `qemu-system-i386 -cpu pentium` with the contract's command line;
// both must print the same on COM1 and exit the same way (qemu's status is 2v + 1 for guest exit v).
// Skipped with a message when the guest could not be built or qemu-system-i386 is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "models/x86_64/pc.hpp"
#include "sim/loader/elf_loader.hpp"

namespace vmsim::x86::pc {
namespace {

#ifdef SYS_PROGRAM_ELF
constexpr uint64_t kRam = 32u << 20;

struct IssRun {
    std::string console;
    Pc::Result result;
};

IssRun run_on_iss(const std::string& path) {
    const loader::ElfImage image = loader::load_elf_i386(path, kRam);
    Pc pc;
    for (const loader::Segment& s : image.segments)
        EXPECT_TRUE(pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz));
    pc.boot_multiboot(image.entry);
    IssRun r;
    r.result = pc.run(100'000'000);
    r.console = pc.console();
    return r;
}

bool have_qemu() { return std::system("command -v qemu-system-i386 >/dev/null 2>&1") == 0; }

// qemu's stdout (COM1) and exit status.
std::string run_on_qemu(const std::string& path, int& status) {
    const std::string cmd =
        "timeout 60 qemu-system-i386 -cpu pentium -m 32 -display none -serial stdio -monitor none -no-reboot "
        "-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel '" + path + "' 2>/dev/null </dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    if (!p) {
        status = -1;
        return out;
    }
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int w = ::pclose(p);
    status = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
    return out;
}

TEST(PcOracle, SysProgramPrintsTheSameOnTheIssAndOnQemu) {
    const IssRun iss = run_on_iss(SYS_PROGRAM_ELF);
    ASSERT_EQ(iss.result.kind, Pc::Result::Exit) << iss.result.message << "\nconsole:\n" << iss.console;
    EXPECT_EQ(iss.result.exit_value, 0u) << iss.console;
    if (!have_qemu()) GTEST_SKIP() << "qemu-system-i386 not installed (scripts/install-deps.sh installs it)";
    int status = 0;
    const std::string qemu = run_on_qemu(SYS_PROGRAM_ELF, status);
    EXPECT_EQ(iss.console, qemu);
    EXPECT_EQ(status, static_cast<int>(iss.result.exit_value << 1 | 1));
}

// A guest that cannot deliver its first exception ends the run on both; qemu -no-reboot exits 0.
TEST(PcOracle, TripleFaultEndsTheRunOnBoth) {
    const IssRun iss = run_on_iss(TRIPLE_ELF);
    ASSERT_EQ(iss.result.kind, Pc::Result::TripleFault) << iss.result.message;
    EXPECT_EQ(iss.console, "triple\n");
    if (!have_qemu()) GTEST_SKIP() << "qemu-system-i386 not installed (scripts/install-deps.sh installs it)";
    int status = -1;
    EXPECT_EQ(run_on_qemu(TRIPLE_ELF, status), iss.console);
    EXPECT_EQ(status, 0);
}

// The guest checks what it can on its own; these lines must be there whatever qemu says.
TEST(PcOracle, SysProgramSeesTheEventsItProvokes) {
    const IssRun iss = run_on_iss(SYS_PROGRAM_ELF);
    for (const char* line : {
             "exception 13 err=00000202 cpl=0\n",   // INT 0x40 beyond the IDT limit: 8n + 2
             "exception 11 err=00000030 cpl=0\n",   // #NP(selector)
             "exception 14 err=00000003 cpl=0",     // WP: supervisor write to a read-only page
             "exception 8 err=00000000 cpl=0\n",    // #PF with #PF's gate not present
             "timer: woke from hlt 3 times\n",
             "on the TSS stack: yes\n",
             "exception 13 err=0000018a cpl=3\n",   // INT 0x31 through a DPL-0 gate
             "exception 14 err=00000007 cpl=3",     // user write to a read-only page
             "back in the kernel\n",
         })
        EXPECT_NE(iss.console.find(line), std::string::npos) << line << "\nconsole:\n" << iss.console;
}
#else
TEST(PcOracle, SysProgramPrintsTheSameOnTheIssAndOnQemu) {
    GTEST_SKIP() << "no GCC for i386: the guest sys_program/ was not built";
}
#endif

}  // namespace
}  // namespace vmsim::x86::pc
