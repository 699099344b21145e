/*
 * aegis: the exokernel's interface to applications (system calls, address-space
 * layout, exception forwarding). Shared by the kernel (vmlib/aegis/kernel), the
 * user runtime (vmlib/aegis/user) and the AVM library (vmlib/avm). The #defines
 * are usable from assembly.
 *
 * Address space of an application (kuseg, 2 GB, tagged with the env's ASID):
 *   segment 0  0x00000000-0x3fffffff  normal data. A TLB miss that the STLB cannot
 *                                     satisfy is forwarded to the application.
 *   segment 1  0x40000000-0x7fffffff  the application's image (linked at 0x40000000),
 *                                     stacks, page tables, exception code. Mappings
 *                                     here may be guaranteed: the kernel refills them.
 * Inside segment 1 the kernel sets up (guaranteed mappings):
 *   AEGIS_USTACK_TOP  user stack, AEGIS_USTACK_PAGES pages below it
 *   AEGIS_XSTACK_TOP  AEGIS_XP_MAXDEPTH exception stacks of one page each, below it
 *   AEGIS_FREEMAP_VA  the kernel's free-page bitmap, read-only (bit set = page free)
 */
#ifndef AEGIS_ABI_H
#define AEGIS_ABI_H

#define AEGIS_PAGE_SHIFT 12
#define AEGIS_PAGE_SIZE 4096u

#define AEGIS_SEG1_BASE 0x40000000u
#define AEGIS_USER_TOP 0x80000000u
#define AEGIS_USTACK_TOP 0x7ff00000u
#define AEGIS_USTACK_PAGES 16
#define AEGIS_XSTACK_TOP 0x7ff80000u
#define AEGIS_FREEMAP_VA 0x7ffc0000u

/* R3000 EntryLo bits (what TLB-write calls pass). */
#define AEGIS_TLB_N 0x800u /* non-cacheable */
#define AEGIS_TLB_D 0x400u /* writable ("dirty") */
#define AEGIS_TLB_V 0x200u /* valid */
#define AEGIS_TLB_G 0x100u /* global: never accepted from applications */
/* Bits 7..0 of EntryLo are unused by the R3000: the kernel clears them (and G) in
 * every EntryLo it is given, so applications may keep their own bits there. */
#define AEGIS_LO_IGNORED 0x1ffu

/* ---- system calls: v0 = number, a0..a3 = arguments, v0 = result -------------
 * Results < 0 are errors (AEGIS_E_*). Caller-saved registers are not preserved
 * (a system call is a function call: use the stubs in <aegis/sys.h>). */
#define AEGIS_SYS_CPUTS 0         /* (const char *s, unsigned len)                  */
#define AEGIS_SYS_PAGE_ALLOC 1    /* (pfn or AEGIS_ANY_PAGE, cap) -> pfn             */
#define AEGIS_SYS_PAGE_FREE 2     /* (pfn, cap)                                     */
#define AEGIS_SYS_TLB_WRITE 3     /* (va, entrylo, cap): TLB and STLB                */
#define AEGIS_SYS_TLB_FLUSH 4     /* (va, npages, AEGIS_FLUSH_*): no capability needed */
#define AEGIS_SYS_STLB_PROBE 5    /* (va) -> entrylo of the STLB entry, 0 if absent  */
#define AEGIS_SYS_STLB_UPDATE 6   /* (va, entrylo, cap): STLB only                   */
#define AEGIS_SYS_TLB_WRITE_N 7   /* (const struct aegis_tlbreq *, n): STLB + present TLB entries */
#define AEGIS_SYS_SET_HANDLERS 8  /* (xpage va, tlb-miss entry, exception entry)     */
#define AEGIS_SYS_GUARANTEE 9     /* (va in segment 1, entrylo, cap)                 */
#define AEGIS_SYS_REGION 10       /* (n, 0 = begin / 1 = end): measured region        */
#define AEGIS_SYS_INFO 11         /* (AEGIS_INFO_*) -> value                          */
#define AEGIS_SYS_TLB_WRITE_RANGE 12 /* (va, const void *entries, n, stride): pages va, va+4K, ...
                                      * entry i at entries + i * stride is {entrylo, cap}
                                      * (8-byte aligned, stride a multiple of 8); STLB +
                                      * present TLB entries; stops at a bad capability */
#define AEGIS_SYS_PAGE_SETCAP 13 /* (pfn, cap, new cap): owner only; revokes translations */
#define AEGIS_SYS_COUNTER 15      /* (n, value): add value to the simulator's guest counter n,
                                   * AEGIS_COUNTER_APP_FIRST .. 63 (statistic guest.n) */
#define AEGIS_SYS_SET_EXC_HANDLER 14 /* (ExcCode, entry): the entry for one exception code
                                      * (SET_HANDLERS sets every code's to its exception entry;
                                      * never Int (0) or Sys (8): those are the kernel's) */
#define AEGIS_NSYS 15
#define AEGIS_SYS_YIELD 30        /* () -> 0: run the next env                        */
#define AEGIS_SYS_EXIT 31         /* (code): never returns                            */
#define AEGIS_SYS_SWITCH_MIN 30   /* numbers >= this save/restore the full context    */

#define AEGIS_ANY_PAGE 0xffffffffu
#define AEGIS_CAP_NONE 0xffffffffu /* held by free and kernel pages; never accepted */
#define AEGIS_FLUSH_TLB 1u
#define AEGIS_FLUSH_STLB 2u
/* Instead of removing the entries, leave invalid (V = 0) ones in the STLB and in
 * place of a TLB copy: the next access then raises TLBL/TLBS, forwarded to the
 * exception handler as a protection fault, instead of a TLB miss. */
#define AEGIS_FLUSH_INVALID 4u
/* Instead of the range: every entry of the caller's address space (its ASID; pass
 * va = npages = 0; not with AEGIS_FLUSH_INVALID). The pinned xpage stays. */
#define AEGIS_FLUSH_ASID 8u

#define AEGIS_INFO_ENV_ID 0
#define AEGIS_INFO_ASID 1
#define AEGIS_INFO_NPAGES 2        /* physical pages the kernel manages */
#define AEGIS_INFO_STLB_ENTRIES 3
#define AEGIS_INFO_FASTPATH_INSNS 4 /* instructions of the UTLB handler's STLB-hit path (2way: a hit
                                     * in way 0; none: 0), as linked */
#define AEGIS_INFO_NENVS 5
#define AEGIS_INFO_AVM_PAGETABLE 6  /* boot parameter avm.pagetable (VMSIM_AVM_PT_*, vmsim/bootparams.h),
                                     * for the library OS: the kernel passes it on unread */
/* The word at byte offset off (a multiple of 4) of the boot parameter block
 * (vmsim/bootparams.h), 0 when the simulator did not write the block (0 = the
 * default): parameters of a library OS or an application, passed on unread, e.g.
 * AVM's avm_hashed_buckets (VMSIM_BOOTPARAMS_OFF_AVM_HASHED_BUCKETS) or the
 * scenario workload's scenario.*. */
#define AEGIS_INFO_BOOTPARAM(off) (0x100 + (off))
#define AEGIS_INFO_STLB_ORG 7       /* boot parameter stlb_org: VMSIM_STLB_ORG_* (vmsim/bootparams.h) */
#define AEGIS_INFO_FASTPATH_WAY1_INSNS 8 /* 2way: the hit path's instructions for a hit in way 1 */

#define AEGIS_E_INVAL (-1)   /* malformed argument */
#define AEGIS_E_CAP (-2)     /* capability check failed */
#define AEGIS_E_NOMEM (-3)   /* no free page */
#define AEGIS_E_BUSY (-4)    /* the requested page is not free */
#define AEGIS_E_FAULT (-5)   /* a user buffer is not mapped */

/* Exit codes of the kernel itself (the guest's, and so vmsim's, exit code). */
#define AEGIS_EXIT_BADPARAM 120 /* invalid boot parameter */
#define AEGIS_EXIT_FAULT 121    /* a fault nobody handles: ExcCode, EPC, BadVAddr printed */
#define AEGIS_EXIT_BADAPP 122   /* the application image cannot be loaded */

/* ---- exception forwarding ----------------------------------------------------
 * An application registers one page of its segment 1 (the "xpage", see
 * user/xpage.S) with AEGIS_SYS_SET_HANDLERS, and an entry per exception code
 * (AEGIS_SYS_SET_EXC_HANDLER). The kernel pins the xpage in a wired TLB slot. On
 * a forwarded exception the kernel saves the caller-saved registers, HI/LO and EPC
 * into a frame of the xpage, then enters the handler in user mode with
 *   a0 = the frame, a1 = Cause, a2 = BadVAddr,
 *   sp = that depth's exception stack, ra = the xpage's return stub,
 * which restores the frame and jumps to its EPC. The handler is an ordinary C
 * function: it preserves the callee-saved registers.
 * Depth: an exception taken while sp is on exception stack d (1-based) uses frame
 * d + 1, else frame 1 (as a Unix kernel decides whether a signal is nested from
 * the stack pointer); the stub finds its frame the same way. No counter is kept,
 * so a handler that never returns leaves nothing behind. */
#define AEGIS_XP_MAXDEPTH 4      /* nested forwarded exceptions */
#define AEGIS_XP_SELF 4          /* header: the xpage's user address (kernel-set)  */
#define AEGIS_XP_FRAME_SHIFT 7   /* frame d (1-based depth) at xpage + (d << 7)    */
/* (the stub uses (XSTACK_TOP - sp) >> (12 - FRAME_SHIFT) = (d - 1) << FRAME_SHIFT:
 * the 16 bytes below each exception stack's top must shift out) */
#define AEGIS_XP_STUB 1024       /* the return stub's offset in the xpage          */
/* The stub's layout, which the kernel relies on when a timer interrupt stops an
 * environment inside it (the stub uses k0/k1; kernel/sched.c): byte offset of
 * its load of sp, and its length (user/xpage.S checks both). */
#define AEGIS_XP_STUB_SP_LOAD 100
#define AEGIS_XP_STUB_SIZE 120

/* struct aegis_xframe byte offsets */
#define AEGIS_XF_AT 0
#define AEGIS_XF_V0 4
#define AEGIS_XF_V1 8
#define AEGIS_XF_A0 12
#define AEGIS_XF_A1 16
#define AEGIS_XF_A2 20
#define AEGIS_XF_A3 24
#define AEGIS_XF_T0 28 /* t0..t7 at 28..56 */
#define AEGIS_XF_T8 60
#define AEGIS_XF_T9 64
#define AEGIS_XF_SP 68
#define AEGIS_XF_RA 72
#define AEGIS_XF_HI 76
#define AEGIS_XF_LO 80
#define AEGIS_XF_EPC 84
#define AEGIS_XF_CAUSE 88    /* not written by the kernel (passed in a1): for the handler's use */
#define AEGIS_XF_BADVADDR 92 /* not written by the kernel (passed in a2): for the handler's use */
#define AEGIS_XF_STACK 96 /* kernel-set: initial sp of the handler at this depth */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct aegis_xframe {
    uint32_t at, v0, v1, a0, a1, a2, a3;
    uint32_t t[8];   /* t0..t7 */
    uint32_t t8, t9, sp, ra;
    uint32_t hi, lo;
    uint32_t epc;    /* where the return stub resumes; a handler may change it */
    uint32_t cause;    /* free for the handler: the kernel passes Cause in a1 */
    uint32_t badvaddr; /* free for the handler: the kernel passes BadVAddr in a2 */
    uint32_t stack;
    uint32_t pad[7];
};

struct aegis_xpage {
    uint32_t unused0;
    uint32_t self;
    uint32_t unused2;
    uint32_t pad[29];
    struct aegis_xframe frame[AEGIS_XP_MAXDEPTH];
};

/* One request of AEGIS_SYS_TLB_WRITE_N; the array must not cross a page. */
struct aegis_tlbreq {
    uint32_t va;
    uint32_t entrylo;
    uint32_t cap;
};

#define AEGIS_CAUSE_EXCCODE(c) (((c) >> 2) & 0x1fu)
/* A forwarded exception's entry: frame, Cause, BadVAddr. */
typedef void (*aegis_handler_t)(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr);
#endif

/* The kernel's counters as simulator statistics guest.N (vmsim_counter_add, at the
 * end of a run of an image built for several environments). */
#define AEGIS_COUNTER_SWITCHES 0         /* environment switches */
#define AEGIS_COUNTER_PREEMPTIONS 1      /* switches forced by the timer */
#define AEGIS_COUNTER_ASID_STEALS 2      /* ASIDs taken from another environment */
#define AEGIS_COUNTER_ASID_FLUSHES 3     /* TLB + STLB flushes of a recycled ASID */
#define AEGIS_COUNTER_SEG1_STLB_MISSES 4 /* segment-1 misses the STLB could not satisfy */
#define AEGIS_COUNTER_APP_FIRST 16       /* 16 .. 63: the applications' (AEGIS_SYS_COUNTER) */

#endif /* AEGIS_ABI_H */
