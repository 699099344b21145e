/* aegis kernel: CP0 registers and the TLB instructions (tlbp, tlbwi, tlbwr, tlbr). */
#ifndef AEGIS_CP0_H
#define AEGIS_CP0_H

#include <stdint.h>

#define C0_READ(reg)                                                          \
    ({ uint32_t v_;                                                           \
       __asm__ volatile(".set push\n.set noreorder\nmfc0 %0, $" #reg "\nnop\n.set pop" \
                        : "=r"(v_)); v_; })
#define C0_WRITE(reg, val) \
    __asm__ volatile(".set push\n.set noreorder\nmtc0 %0, $" #reg "\nnop\n.set pop" ::"r"(val))

#define TLB_NENTRIES 64
#define TLB_WIRED 8   /* Random never picks 0..7: slot (asid & 7) pins an xpage */
#define STLB_EMPTY 1u /* never equals an EntryHi (bits 5..0 read 0) */

static inline uint32_t tlb_probe(uint32_t hi) /* index, or -1 */
{
    uint32_t idx;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %1, $10\nnop\ntlbp\nnop\nmfc0 %0, $0\nnop\n.set pop"
                     : "=r"(idx) : "r"(hi));
    return (idx & 0x80000000u) ? 0xffffffffu : (idx >> 8) & 63;
}

static inline void tlb_write_index(uint32_t idx, uint32_t hi, uint32_t lo)
{
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %0, $0\nmtc0 %1, $10\nmtc0 %2, $2\nnop\ntlbwi\nnop\n.set pop"
                     ::"r"(idx << 8), "r"(hi), "r"(lo));
}

static inline void tlb_write_random(uint32_t hi, uint32_t lo)
{
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %0, $10\nmtc0 %1, $2\nnop\ntlbwr\nnop\n.set pop"
                     ::"r"(hi), "r"(lo));
}

static inline uint32_t tlb_read_lo(uint32_t idx)
{
    uint32_t lo;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %1, $0\nnop\ntlbr\nnop\nmfc0 %0, $2\nnop\n.set pop"
                     : "=r"(lo) : "r"(idx << 8));
    return lo;
}

static inline uint32_t tlb_read_hi(uint32_t idx) /* changes EntryHi */
{
    uint32_t hi;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %1, $0\nnop\ntlbr\nnop\nmfc0 %0, $10\nnop\n.set pop"
                     : "=r"(hi) : "r"(idx << 8));
    return hi;
}

#endif
