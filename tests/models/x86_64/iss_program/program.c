/* A freestanding C program for the x86 ISS's differential test: compiled with GCC for i386
 * (-m32 -march=pentium -O2, CMakeLists.txt) it runs in lockstep on the ISS and on Unicorn; compiled
 * into the test for the host (ISS_PROGRAM_HOST) it gives the expected result. It exercises what
 * GCC emits for integer C: loops and jump tables, 64-bit arithmetic (mul, adc/sbb, shld/shrd),
 * division by variables and constants, bit scans, bswap, atomics (lock cmpxchg/xadd), setcc, and
 * string instructions for block copies. No 64-bit division (that would need libgcc). */
#include <stdint.h>

#ifndef ISS_PROGRAM_HOST
/* GCC may call these even with -ffreestanding (GCC bug 32667); the program must define them. */
void* memcpy(void* d, const void* s, unsigned n) {
    unsigned char* a = d;
    const unsigned char* b = s;
    while (n--) *a++ = *b++;
    return d;
}
void* memset(void* d, int c, unsigned n) {
    unsigned char* a = d;
    while (n--) *a++ = (unsigned char)c;
    return d;
}
#endif

static uint32_t crc32(const uint8_t* p, uint32_t n) {
    uint32_t c = ~0u;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint32_t seed = 12345;
static uint32_t next_random(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

static void shell_sort(int32_t* a, int n) {
    for (int gap = n / 2; gap > 0; gap /= 2)
        for (int i = gap; i < n; ++i) {
            const int32_t v = a[i];
            int j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap) a[j] = a[j - gap];
            a[j] = v;
        }
}

static uint32_t wide(uint64_t a, uint64_t b, unsigned s) {
    const uint64_t p = a * b;
    const uint64_t l = a << (s & 63), r = b >> (s & 63);
    const int64_t sr = (int64_t)a >> (s & 63);
    return (uint32_t)(p >> 32) ^ (uint32_t)p ^ (uint32_t)(l >> 7) ^ (uint32_t)r ^ (uint32_t)(sr >> 3) ^ (uint32_t)(a + b) ^
           (uint32_t)((a - b) >> 32);
}

static uint32_t divide(int32_t a, int32_t b, uint32_t ua, uint32_t ub) {
    uint32_t r = 0;
    if (b != 0 && !(a == INT32_MIN && b == -1)) r += (uint32_t)(a / b) + (uint32_t)(a % b);
    if (ub != 0) r ^= ua / ub + ua % ub;
    r += (uint32_t)(a / 7) + (uint32_t)(a % 10) + ua / 1000u;  /* by constants: multiply and shift */
    return r;
}

static uint32_t bits(uint32_t x) {
    uint32_t r = __builtin_bswap32(x);
    if (x) r += (uint32_t)__builtin_ctz(x) * 3u + (uint32_t)__builtin_clz(x);
    r += (uint32_t)(x < 0x80000000u) + (uint32_t)((int32_t)x < 5) * 2u;
    return r;
}

static uint32_t machine(const uint8_t* p, int n) {
    uint32_t state = 0, acc = 1;
    for (int i = 0; i < n; ++i) {
        switch ((p[i] + state) % 7) { /* a jump table */
        case 0: acc += 3; state = 2; break;
        case 1: acc ^= acc << 5; state = 4; break;
        case 2: acc -= p[i]; state = 1; break;
        case 3: acc = acc * 33u + 7u; state = 6; break;
        case 4: acc = (acc >> 3) | (acc << 29); state = 0; break;
        case 5: acc += (uint32_t)i; state = 3; break;
        default: acc ^= 0x5a5a5a5au; state = 5; break;
        }
    }
    return acc;
}

struct block {
    uint32_t w[24];
};
static struct block blocks[4];
static volatile uint32_t counter;

uint32_t run(void) {
    static uint8_t buf[128];
    static int32_t arr[64];
    for (unsigned i = 0; i < sizeof buf; ++i) buf[i] = (uint8_t)next_random();
    for (unsigned i = 0; i < 64; ++i) arr[i] = (int32_t)(next_random() * 2654435761u);
    uint32_t h = crc32(buf, sizeof buf);
    shell_sort(arr, 64);
    for (unsigned i = 0; i < 64; ++i) h = h * 31u + (uint32_t)arr[i];
    for (unsigned i = 0; i < 32; ++i) {
        uint32_t x = next_random();
        x ^= next_random() << 9; /* two statements: C leaves the order of two calls in one unspecified */
        const uint32_t y = next_random() * 77u;
        h ^= wide(((uint64_t)x << 32) | y, (uint64_t)y * 3u + x, i * 3u);
        h += divide((int32_t)x, (int32_t)(y >> (i & 15)) - 1000, x, y >> (i & 31));
        h ^= bits(x >> (i & 31));
    }
    h += machine(buf, sizeof buf);
    for (unsigned i = 0; i < 24; ++i) blocks[0].w[i] = h + i;
    blocks[1] = blocks[0]; /* a structure copy */
    blocks[2] = blocks[1];
    for (unsigned i = 0; i < 24; ++i) h += blocks[2].w[i];
    counter = 5;
    h += __sync_fetch_and_add(&counter, 3u);
    h += __sync_val_compare_and_swap(&counter, 8u, 100u);
    h += counter;
    return h;
}

#ifndef ISS_PROGRAM_HOST
/* The entry point (first in the image): halts with the result in EAX. */
__attribute__((section(".text.start"), noreturn)) void _start(void) {
    const uint32_t h = run();
    for (;;) __asm__ volatile("hlt" : : "a"(h));
}
#endif
