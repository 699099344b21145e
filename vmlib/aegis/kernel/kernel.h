/* aegis kernel internals shared by the C parts (kernel.c) and entry.S. */
#ifndef AEGIS_KERNEL_H
#define AEGIS_KERNEL_H

#include <aegis/abi.h>

/* struct aegis_env offsets used by entry.S: the saved user context, tf[] */
#define ENV_REG(r) (12 + 4 * (r)) /* GPR r (1..31; k0/k1 and $0 are not kept) */
#define ENV_HI 140
#define ENV_LO 144
#define ENV_EPC 148 /* where the env resumes */

/* struct aegis_ksave offsets (the syscall path's save area) */
#define KS_SP 0
#define KS_RA 4
#define KS_EPC 8

#define AEGIS_NASIDS 64     /* the R3000's ASIDs */
#define AEGIS_NO_ASID 64u   /* struct aegis_env.asid of an env without one */
#define AEGIS_MAX_GUARANTEED 512
#define AEGIS_MAX_PAGES 32768 /* 128 MB managed; more RAM is left unused */
#define AEGIS_KSTACK_SIZE 16384

/* struct aegis_fwd offsets (the current env's forwarding data, entry.S) */
#define FWD_HTAB 0      /* entry per ExcCode, 0: none */
#define FWD_TLBMISS 128 /* entry for TLB misses the STLB cannot satisfy */
#define FWD_FRAME1 132  /* kseg0 address of frame 1 of the xpage */
#define FWD_DELTA 136   /* xpage kseg0 address - its user address */
#define FWD_STUB 140    /* user address of the return stub */

/* aegis_fatal() reasons */
#define AEGIS_FATAL_KERNEL 0   /* exception in kernel mode */
#define AEGIS_FATAL_NOHANDLER 1
#define AEGIS_FATAL_NEST 2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct aegis_gmap {
    uint32_t vpn;
    uint32_t lo;
};

struct aegis_env {
    uint32_t h_tlbmiss;  /* user entry for forwarded TLB misses (0: none) */
    uint32_t xpage_u;    /* user address of the registered xpage */
    uint32_t xpage_k;    /* kseg0 address of the registered xpage (0: none) */
    /* The user context: GPRs by number, HI, LO, EPC. A yield or exit saves the
     * callee-saved registers, sp, ra and EPC (the rest is the caller's, as in a
     * call); a timer interrupt saves every register. */
    uint32_t tf[35];
    uint32_t h_exc[32];  /* user entry per ExcCode (0: none) */
    uint32_t id, asid, state, exit_code, cap;
    uint32_t ng;
    struct aegis_gmap g[AEGIS_MAX_GUARANTEED];
};

/* The current env's forwarding data, in the form entry.S uses (switch_to and
 * the handler calls keep it up to date). */
struct aegis_fwd {
    uint32_t htab[32];
    uint32_t tlbmiss, frame1, delta, stub;
};
extern struct aegis_fwd aegis_fwd;

extern struct aegis_env *aegis_cur;
void aegis_resume_env(struct aegis_env *e) __attribute__((noreturn));
#define TF_V0 2
#define TF_SP 29
#define TF_HI 32
#define TF_LO 33
#define TF_EPC 34
void aegis_fatal(int reason) __attribute__((noreturn));
extern char vmsim_utlb_vector[], aegis_utlb_fast_end[];

/* entry.S's range loops: invalidate n STLB/TLB entries from hi on; write n
 * {entrylo, cap} entries with capability checks (returns how many it wrote). */
void aegis_range_invalidate(uint32_t hi, uint32_t n, uint32_t *base, uint32_t mask);
struct range_ctx {
    uint32_t *base;
    uint32_t mask;
    const uint32_t *caps;
    uint32_t npages, stride;
};
uint32_t aegis_range_write(uint32_t hi, const uint32_t *ents, uint32_t n, const struct range_ctx *c);
#endif

#endif
