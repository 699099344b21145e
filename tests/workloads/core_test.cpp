// Host-side checks of the guests' portable cores and of the runtime's printf
// engine. These need no simulator: they make sure the values the simulator
// tests expect are themselves right.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "expected.hpp"
#include "workloads/runtime/format.h"

namespace vmsim::workloads_test {
namespace {

TEST(Xorshift32, MatchesMarsagliaSequence) {
    // Marsaglia, "Xorshift RNGs" (2003): seed 2463534242 -> 723471715 first.
    uint32_t s = xorshift32_init(2463534242u);
    EXPECT_EQ(xorshift32_next(&s), 723471715u);
    uint32_t z = xorshift32_init(0);
    EXPECT_NE(xorshift32_next(&z), 0u) << "seed 0 must not get stuck at zero";
}

TEST(Crc32Core, CheckValue) {
    // The catalogue check value of CRC-32/ISO-HDLC: crc("123456789") = 0xCBF43926.
    uint32_t table[256];
    crc32_make_table(table);
    const char* check = "123456789";
    EXPECT_EQ(crc32_update(table, 0, reinterpret_cast<const uint8_t*>(check), 9), 0xcbf43926u);
    EXPECT_EQ(crc32_bitwise(reinterpret_cast<const uint8_t*>(check), 9), 0xcbf43926u);
    EXPECT_EQ(crc32_update(table, 0, nullptr, 0), 0u);
}

TEST(Crc32Core, TableMatchesBitwiseAndChains) {
    uint32_t table[256];
    crc32_make_table(table);
    std::vector<uint8_t> buf(5000);
    crc32_fill(buf.data(), buf.size(), 99);
    const uint32_t whole = crc32_update(table, 0, buf.data(), buf.size());
    EXPECT_EQ(whole, crc32_bitwise(buf.data(), buf.size()));
    const uint32_t part = crc32_update(table, 0, buf.data(), 1234);
    EXPECT_EQ(crc32_update(table, part, buf.data() + 1234, buf.size() - 1234), whole);
}

TEST(Crc32Core, FillIsDeterministicAndSeedDependent) {
    std::vector<uint8_t> a(64), b(64), c(64);
    crc32_fill(a.data(), a.size(), 5);
    crc32_fill(b.data(), b.size(), 5);
    crc32_fill(c.data(), c.size(), 6);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST(QsortCore, SortsLikeStdSort) {
    for (const qsort_case& c : qsort_cases) {
        std::vector<int32_t> a(c.n), ref(c.n);
        qsort_fill(a.data(), c.n, c.seed, c.range);
        ref = a;
        quicksort_int(a.data(), c.n);
        std::sort(ref.begin(), ref.end());
        EXPECT_EQ(a, ref) << "n=" << c.n << " seed=" << c.seed;
        EXPECT_TRUE(qsort_is_sorted(a.data(), c.n));
    }
}

TEST(QsortCore, AdversarialInputs) {
    for (uint32_t n : {17u, 100u, 1000u}) {
        std::vector<int32_t> asc(n), desc(n), equal(n, 7), organ(n);
        for (uint32_t i = 0; i < n; i++) {
            asc[i] = static_cast<int32_t>(i);
            desc[i] = static_cast<int32_t>(n - i);
            organ[i] = static_cast<int32_t>(i < n / 2 ? i : n - i);
        }
        for (auto* v : {&asc, &desc, &equal, &organ}) {
            std::vector<int32_t> ref = *v;
            std::sort(ref.begin(), ref.end());
            quicksort_int(v->data(), n);
            EXPECT_EQ(*v, ref) << "n=" << n;
        }
    }
}

TEST(QsortCore, ChecksumIsOrderDependent) {
    int32_t a[] = {1, 2, 3}, b[] = {3, 2, 1};
    EXPECT_NE(qsort_checksum(a, 3), qsort_checksum(b, 3));
    std::vector<int32_t> v(200);
    qsort_fill(v.data(), 200, 3, 16);
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](int32_t x) { return x >= -8 && x < 8; }));
}

TEST(TlbbenchCore, TouchesEveryPageAndStaysInBounds) {
    // Run over a guarded buffer: the words around the array must stay intact,
    // and the random bursts must visit every page of the small configuration.
    const uint32_t pages = TLBBENCH_SMALL_PAGES, words = pages * TLBBENCH_PAGE_WORDS;
    std::vector<uint32_t> buf(words + 2 * 1024, 0xa5a5a5a5u);
    uint32_t* a = buf.data() + 1024;
    tlbbench_init(a, pages, TLBBENCH_SEED);
    std::vector<uint32_t> before(a, a + words);
    tlbbench_run(a, pages, TLBBENCH_SMALL_STEPS, TLBBENCH_SEED);
    for (uint32_t i = 0; i < 1024; i++) {
        ASSERT_EQ(buf[i], 0xa5a5a5a5u);
        ASSERT_EQ(buf[1024 + words + i], 0xa5a5a5a5u);
    }
    for (uint32_t p = 0; p < pages; p++) {
        bool changed = false;
        for (uint32_t w = 0; w < TLBBENCH_PAGE_WORDS && !changed; w++)
            changed = a[p * TLBBENCH_PAGE_WORDS + w] != before[p * TLBBENCH_PAGE_WORDS + w];
        EXPECT_TRUE(changed) << "page " << p << " never written";
    }
}

TEST(TlbbenchCore, ChecksumDependsOnSteps) {
    EXPECT_NE(tlbbench_expected_checksum(TLBBENCH_SMALL_PAGES, TLBBENCH_SMALL_STEPS),
              tlbbench_expected_checksum(TLBBENCH_SMALL_PAGES, TLBBENCH_SMALL_STEPS + 1));
}

// ---- the runtime's printf engine, compiled for the host ----------------------

void string_sink(char c, void* ctx) { static_cast<std::string*>(ctx)->push_back(c); }

std::string vmsim_format(const char* fmt, ...) {
    std::string out;
    va_list ap;
    va_start(ap, fmt);
    int n = vmsim_vformat(string_sink, &out, fmt, ap);
    va_end(ap);
    EXPECT_EQ(n, static_cast<int>(out.size()));
    return out;
}

TEST(RuntimeFormat, MatchesHostPrintf) {
    // vmsim_format and format (the host's vsnprintf) get identical arguments.
#define SAME(...) EXPECT_EQ(vmsim_format(__VA_ARGS__), format(__VA_ARGS__))
    SAME("plain text");
    SAME("[%d] [%d] [%d] [%d]", 0, -1, INT32_MIN, INT32_MAX);
    SAME("[%5d] [%-5d] [%05d] [%-6d] [%2d]", 42, -42, -42, 42, 123456);
    SAME("[%u] [%x] [%X] [%08x] [%-8X]", 4294967295u, 0xdeadbeefu, 0xabcdefu, 0x1fu, 0xabu);
    SAME("[%i] [%c] [%3c] [%-3c]", -7, 'x', 'y', 'z');
    SAME("[%s] [%8s] [%-8s] [%.2s] [%6.3s]", "abc", "abc", "abc", "abc", "abcdef");
    SAME("[%ld] [%lu] [%lx]", -5L, 5UL, 255UL);
    SAME("[%lld] [%llu] [%llx] [%020llu]", static_cast<long long>(INT64_MIN),
         static_cast<unsigned long long>(UINT64_MAX), 0xfedcba9876543210ULL, 1ULL);
    SAME("[%*d] [%-*d] [%.*s] [%*s]", 5, 1, 5, 1, 3, "abcdef", -4, "a");
    SAME("[%p] [%14p]", reinterpret_cast<void*>(0x1234), reinterpret_cast<void*>(0xdeadbeefULL));
    SAME("100%% [%%] %d%%", 3);
#undef SAME
}

TEST(RuntimeFormat, UnknownConversionIsPrintedVerbatim) {
    EXPECT_EQ(vmsim_format("a%qb"), "a%qb");
    EXPECT_EQ(vmsim_format("end%"), "end%");
    EXPECT_EQ(vmsim_format("%s", static_cast<const char*>(nullptr)), "(null)");
}

TEST(StringsCore, HostRunProducesEveryLine) {
    const std::vector<std::string> lines = strings_expected();
    ASSERT_GT(lines.size(), 30u);
    EXPECT_EQ(lines[2], "strings: strlen #2 = 12");
    EXPECT_EQ(lines.back(), "strings: done");
}

}  // namespace
}  // namespace vmsim::workloads_test
