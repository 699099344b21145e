// What each guest program must print, computed on the host from the same
// portable cores the guests compile (workloads/*/..._core.h), with independent
// reference algorithms where one exists (bitwise CRC, std::sort, the host libc).
#pragma once
#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "crc32_core.h"
#include "qsort_core.h"
#include "strings_core.h"
#include "tlbbench_core.h"

namespace vmsim::workloads_test {

inline std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline std::string format(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

// CRC-32/IEEE bit by bit, straight from the definition (no table).
inline uint32_t crc32_bitwise(const uint8_t* p, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

inline std::vector<std::string> crc32_expected() {
    std::vector<std::string> lines;
    std::vector<uint8_t> buf(CRC32_MAX_SIZE);
    for (const crc32_case& c : crc32_cases) {
        crc32_fill(buf.data(), c.size, c.seed);
        lines.push_back(format("crc32 size=%u seed=%u value=0x%08x", c.size, c.seed,
                               crc32_bitwise(buf.data(), c.size)));
    }
    return lines;
}

inline std::vector<std::string> qsort_expected() {
    std::vector<std::string> lines;
    for (const qsort_case& c : qsort_cases) {
        std::vector<int32_t> a(c.n);
        qsort_fill(a.data(), c.n, c.seed, c.range);
        std::sort(a.begin(), a.end());
        lines.push_back(format("qsort n=%u seed=%u range=%u checksum=0x%08x sorted=yes", c.n,
                               c.seed, c.range, qsort_checksum(a.data(), c.n)));
    }
    return lines;
}

// strings_run() with the host C library doing the formatting.
inline std::vector<std::string>* strings_sink = nullptr;
inline void strings_host_line(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    strings_sink->push_back(std::string("strings: ") + buf);
}

inline std::vector<std::string> strings_expected() {
    std::vector<std::string> lines;
    strings_sink = &lines;
    strings_run(strings_host_line);
    strings_sink = nullptr;
    lines.push_back("strings: done");
    return lines;
}

inline uint32_t tlbbench_expected_checksum(uint32_t pages, uint32_t steps) {
    std::vector<uint32_t> a(pages * TLBBENCH_PAGE_WORDS);
    return tlbbench_checksum(a.data(), pages, steps, TLBBENCH_SEED);
}

}  // namespace vmsim::workloads_test
