// placeholder: printing breakdown
#include <gtest/gtest.h>
#include <cstdio>
#include "region_run.hpp"
namespace vmsim::x86::pc::test {
namespace {
TEST(IpcCost, Print) {
    const GuestRun run = run_guest(IPCCOST_ELF, 4'000'000'000ull);
    for (const auto& [id, r] : run.regions) {
        const double n = id == 2 ? 1.0 : 20000.0;
        const auto& c = r.causes;
        std::printf("region %u: cycles %.2f instr %.2f itlb %.2f dtlb %.2f walks %.2f | issue %.2f prefix %.2f agi %.2f bank %.2f mispredict %.2f icache %.2f dcache %.2f wb %.2f translation %.2f system %.2f\n",
                    id, r.cycles / n, r.instructions / n, r.itlb_misses / n, r.dtlb_misses / n, r.walks / n, c.issue / n, c.prefix / n,
                    c.agi / n, c.bank / n, c.mispredict / n, c.icache / n, c.dcache / n, c.write_buffer / n,
                    c.translation / n, c.system / n);
    }
}
}  // namespace
}  // namespace vmsim::x86::pc::test
