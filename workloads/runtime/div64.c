/*
 * vmsim guest runtime: 64-bit division helpers that gcc calls for
 * `uint64_t / uint64_t` and `%`. Debian's libgcc.a for mipsel is built for
 * MIPS32r2 (clz, movn, ...), which an R3000 cannot execute, so the runtime
 * provides MIPS-I versions; being linked before -lgcc, they take precedence.
 */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

/* Shift-subtract long division. Division by zero returns all-ones quotient
 * and the dividend as remainder (gcc's inline 32-bit division traps instead). */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0;
    if (d == 0) {
        q = ~(uint64_t)0;
    } else if ((n >> 32) == 0 && (d >> 32) == 0) {
        q = (uint32_t)n / (uint32_t)d;
        n = (uint32_t)n % (uint32_t)d;
    } else if (d <= n) {
        int shift = 0;
        while ((int64_t)d > 0 && (d << 1) <= n) { /* align d under n's top bit */
            d <<= 1;
            shift++;
        }
        for (; shift >= 0; shift--, d >>= 1) {
            q <<= 1;
            if (n >= d) {
                n -= d;
                q |= 1;
            }
        }
    }
    if (rem)
        *rem = n;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    return __udivmoddi4(n, d, 0);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    __udivmoddi4(n, d, &r);
    return r;
}

int64_t __divdi3(int64_t n, int64_t d)
{
    uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
    uint64_t q = __udivmoddi4(un, ud, 0);
    return (int64_t)((n < 0) != (d < 0) ? 0 - q : q);
}

int64_t __moddi3(int64_t n, int64_t d)
{
    uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
    uint64_t r;
    __udivmoddi4(un, ud, &r);
    return (int64_t)(n < 0 ? 0 - r : r);
}
