/*
 * The strings guest: exercises memcpy, memmove, memset, memcmp, strlen,
 * strcmp, snprintf and the printf conversions. strings_run() reports every
 * result through line(fmt, ...), one output line per call. The guest passes a
 * function that prints "strings: " + the formatted text + "\n" with the
 * runtime's printf; the host test passes one that formats with the host C
 * library, so the guest's libc is checked against the host's.
 * Plain portable C; only uses behaviour that is fully specified by ISO C
 * (no %p of NULL, string comparisons reduced to their sign).
 */
#ifndef VMSIM_WORKLOADS_STRINGS_CORE_H
#define VMSIM_WORKLOADS_STRINGS_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*strings_line_fn)(const char *fmt, ...);

static inline int strings_sign(int v)
{
    return (v > 0) - (v < 0);
}

/* FNV-1a over bytes: summarises a buffer in one line. */
static inline uint32_t strings_hash(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static inline void strings_pattern(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + 3);
}

static inline void strings_run(strings_line_fn line)
{
    /* strlen */
    static const char *const words[] = {"", "a", "hello, world", "tab\tand\nnewline"};
    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++)
        line("strlen #%u = %u", i, (unsigned)strlen(words[i]));
    char longstr[301];
    for (int i = 0; i < 300; i++)
        longstr[i] = (char)('a' + i % 26);
    longstr[300] = '\0';
    line("strlen long = %u", (unsigned)strlen(longstr));

    /* strcmp and memcmp: only the sign is specified */
    static const char *const pairs[][2] = {
        {"abc", "abc"}, {"abc", "abd"}, {"abd", "abc"}, {"", "a"},
        {"a", ""},      {"abc", "ab"},  {"\xff", "a"},  {"a", "\x80"},
    };
    for (unsigned i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        line("strcmp #%u = %d", i, strings_sign(strcmp(pairs[i][0], pairs[i][1])));
    static const unsigned char m1[] = {1, 2, 3, 0x80, 5, 6, 7, 8};
    static const unsigned char m2[] = {1, 2, 3, 0x7f, 5, 6, 7, 9};
    for (unsigned n = 0; n <= 8; n += 2)
        line("memcmp n=%u = %d %d", n, strings_sign(memcmp(m1, m2, n)),
             strings_sign(memcmp(m2, m1, n)));

    /* memcpy / memmove / memset at every alignment and several lengths */
    unsigned char buf[96], src[96];
    strings_pattern(src, sizeof src);
    static const unsigned lengths[] = {0, 1, 3, 4, 7, 16, 33, 60};
    for (unsigned li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        unsigned n = lengths[li];
        uint32_t hcpy = 2166136261u, hset = hcpy, hmove = hcpy;
        for (unsigned dst_off = 0; dst_off < 4; dst_off++) {
            for (unsigned src_off = 0; src_off < 4; src_off++) {
                memset(buf, 0xee, sizeof buf);
                void *r = memcpy(buf + dst_off, src + src_off, n);
                hcpy ^= strings_hash(buf, sizeof buf) + (r == buf + dst_off);
                hcpy *= 16777619u;
                strings_pattern(buf, sizeof buf); /* overlapping, both directions */
                memmove(buf + dst_off + 8, buf + src_off, n);
                memmove(buf + src_off, buf + dst_off + 4, n);
                hmove ^= strings_hash(buf, sizeof buf);
                hmove *= 16777619u;
            }
            memset(buf, 0, sizeof buf);
            void *r = memset(buf + dst_off, 0x1a5 + (int)n, n); /* only the low byte counts */
            hset ^= strings_hash(buf, sizeof buf) + (r == buf + dst_off);
            hset *= 16777619u;
        }
        line("mem n=%u memcpy=%08x memmove=%08x memset=%08x", n, (unsigned)hcpy,
             (unsigned)hmove, (unsigned)hset);
    }

    /* snprintf: return value and truncation (which is the point here) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
    char small[8];
    int r = snprintf(small, sizeof small, "%s", "hello world");
    line("snprintf trunc r=%d s=[%s]", r, small);
    r = snprintf(small, 0, "%d", 123456);
    line("snprintf size0 r=%d", r);
    r = snprintf(small, sizeof small, "%d|%x", -5, 255u);
    line("snprintf fit r=%d s=[%s]", r, small);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

    /* printf conversions, flags, widths, modifiers */
    line("d [%d] [%d] [%d] [%d] [%i]", 0, -1, (int)(-2147483647 - 1), 2147483647, 7);
    line("width [%5d] [%-5d] [%05d] [%-05d] [%1d]", 42, 42, -42, -42, 12345);
    line("u [%u] [%u] [%10u] [%-10u]", 0u, 4294967295u, 123u, 123u);
    line("x [%x] [%X] [%08x] [%-8x] [%8X]", 0xdeadbeefu, 0xdeadbeefu, 0x1fu, 0x1fu, 0xabcu);
    line("c [%c] [%3c] [%-3c]", 'A', 'b', 'c');
    line("s [%s] [%10s] [%-10s] [%.3s] [%5.2s]", "str", "right", "left", "truncate", "ab");
    line("pct [%%] [%5d%%]", 50);
    line("l [%ld] [%lu] [%lx] [%li]", -123456789L, 4000000000UL, 0xcafef00dUL, 2147483647L);
    line("ll [%lld] [%llu] [%llx] [%016llx] [%lld]", (long long)(-9223372036854775807LL - 1),
         18446744073709551615ULL, 0x0123456789abcdefULL, 0xbeefULL, 1000000000000LL);
    line("star [%*d] [%-*d] [%.*s]", 6, 42, 6, 42, 2, "xyz");
    line("p [%p] [%12p]", (void *)(uintptr_t)0x1234u, (void *)(uintptr_t)0x80001000u);
}

#endif /* VMSIM_WORKLOADS_STRINGS_CORE_H */
