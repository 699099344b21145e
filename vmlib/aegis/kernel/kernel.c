/*
 * aegis: a small exokernel for the simulated R3000 (the kernel of the AVM paper,
 * sections 3-4). It multiplexes physical memory and the TLB and nothing else:
 *   - physical pages are allocated by number, each with the capability the
 *     allocating application chose; every TLB write presents a capability that
 *     is checked against the page's;
 *   - a software TLB (STLB) in kseg0 backs the 64-entry TLB: direct-mapped as in
 *     the paper, or two-way set-associative, or none (boot parameter stlb_org,
 *     stlb.c); the UTLB refill handler (entry.S) satisfies hits, misses go to the
 *     application;
 *   - segment 1 of each address space may hold guaranteed mappings that the
 *     kernel refills itself (the application's image, stacks, page tables);
 *   - exceptions are forwarded to user-level handlers (entry.S);
 *   - several environments (address spaces, each with an ASID while it runs),
 *     switched on yield and exit and preempted by the timer.
 * Applications are ELF images embedded in the kernel image (apps.S) and loaded
 * into segment 1 at boot.
 *
 * The kernel is one compilation unit: this file holds the state every part
 * shares and includes the parts, one concern each:
 *   pages.c    physical pages and the capability check
 *   stlb.c     STLB and TLB maintenance, guaranteed mappings, user buffers, revocation
 *   syscall.c  the system calls and their table (entry.S dispatches through it)
 *   env.c      environments: loading the application image, switching on yield/exit
 *   sched.c    several environments: the timer, ASIDs taken and flushed, counters
 *   forward.c  exception forwarding state (xpage, handler table), fatal faults
 *   boot.c     main: boot parameters, RAM, the STLB, the first environment
 * (cp0.h: the CP0 and TLB instructions.) Why one unit: the measured paths depend
 * on what gcc inlines (check_lo, stlb_insert, gmap_find, page_take, ... are small
 * static functions used by several parts; env_create is inlined into main) and on
 * the image's layout (AVM Figure 1 is sensitive to it: TLB random replacement
 * follows the cycle count, the caches are physically indexed, and code pages of
 * the application are coloured by the size of the kernel's text). Separate units
 * would turn those into calls and change the figure; as one unit the image is
 * byte for byte what the single kernel.c produced. The parts are included in an
 * order that keeps gcc's output order of the global functions.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <vmsim.h>
#include <vmsim/bootparams.h>

#include "kernel.h"

#ifndef AEGIS_NUM_ENVS
#define AEGIS_NUM_ENVS 1 /* environments that run by default (boot parameter aegis.nenvs) */
#endif
#ifndef AEGIS_MAX_ENVS
#define AEGIS_MAX_ENVS AEGIS_NUM_ENVS /* the most this image runs */
#endif
_Static_assert(AEGIS_NUM_ENVS >= 1 && AEGIS_NUM_ENVS <= AEGIS_MAX_ENVS &&
                   AEGIS_MAX_ENVS <= VMSIM_AEGIS_MAX_ENVS,
               "1 <= NENVS <= MAX_ENVS <= 64");

#include "cp0.h"

/* ---- state ---------------------------------------------------------------- */
uint32_t aegis_stlb_mask;            /* read by the UTLB handler: B | (N-1) << 3 (2way: B | (sets-1) << 4) */
uint32_t aegis_ksave[3];             /* syscall path: user sp, ra, return EPC */
uint32_t aegis_ktf[34];              /* STLB-miss slow path: registers, hi, lo */
uint8_t aegis_kstack[AEGIS_KSTACK_SIZE] __attribute__((aligned(8)));
/* entry.S's kernel stack pointer: aegis_kstack + AEGIS_KSTACK_SIZE - 16 */
__asm__(".globl aegis_kstack_top\n.set aegis_kstack_top, aegis_kstack + 16368");
_Static_assert(AEGIS_KSTACK_SIZE - 16 == 16368, "aegis_kstack_top");

struct aegis_env *aegis_cur;
struct aegis_fwd aegis_fwd __attribute__((aligned(256))); /* no %hi carry inside */
/* Where the forwarding path writes a frame when the env has no xpage: it then
 * finds no handler and stops the run (aegis_fatal reads the original CP0 state). */
static uint32_t fwd_scratch[(AEGIS_XP_MAXDEPTH + 1) << (AEGIS_XP_FRAME_SHIFT - 2)];
_Static_assert(sizeof(struct aegis_fwd) == 144 && FWD_STUB == 140, "struct aegis_fwd offsets");
static struct aegis_env envs[AEGIS_MAX_ENVS];
static unsigned nenvs;

/* Counted for the line the kernel prints at the end of a run (sched.c). */
static struct {
    uint32_t switches, preemptions, asid_steals, asid_flushes, seg1_misses;
    uint32_t stub_restarts, stub_finishes;
} kstat;
/* Images for one env count no STLB misses: the single-env refill path stays as it was. */
#if AEGIS_MAX_ENVS > 1
#define KSTAT_SEG1_MISS() (kstat.seg1_misses++)
#else
#define KSTAT_SEG1_MISS() ((void)0)
#endif

static uint32_t *stlb;               /* kseg0, stlb_entries * 2 words */
static uint32_t stlb_entries;        /* 0 when stlb_org is none */
static uint32_t stlb_org;            /* VMSIM_STLB_ORG_* (stlb.c) */
static uint32_t *stlb_direct;        /* stlb if direct-mapped, else 0 (stlb.c) */
static uint32_t npages;              /* managed physical pages */
/* Free bitmap, bit set = free; one page, mapped read-only into every env. */
static uint32_t freemap[AEGIS_MAX_PAGES / 32] __attribute__((aligned(4096)));
static uint32_t page_cap[AEGIS_MAX_PAGES];
static uint8_t page_owner[AEGIS_MAX_PAGES]; /* 0 free, 1 kernel, 2 + env id */
#define OWNER_KERNEL 1u
#define OWNER_ENV(e) (2u + (e)->id)

extern char _end[];

/* ---- boot parameter block (see vmsim/bootparams.h) ------------------------ */
#if defined(AEGIS_TEST_BOOTPARAMS_STLB) || defined(AEGIS_TEST_BOOTPARAMS_AVM_PT) || \
    defined(AEGIS_TEST_BOOTPARAMS_STLB_ORG)
#ifndef AEGIS_TEST_BOOTPARAMS_STLB
#define AEGIS_TEST_BOOTPARAMS_STLB 0
#endif
#ifndef AEGIS_TEST_BOOTPARAMS_AVM_PT
#define AEGIS_TEST_BOOTPARAMS_AVM_PT 0
#endif
#ifndef AEGIS_TEST_BOOTPARAMS_STLB_ORG
#define AEGIS_TEST_BOOTPARAMS_STLB_ORG 0
#endif
/* Test images: a block as the simulator would write it. */
struct vmsim_bootparams aegis_bootparams __attribute__((section(".bootparams"), used)) = {
    .magic = VMSIM_BOOTPARAMS_MAGIC,
    .version = VMSIM_BOOTPARAMS_VERSION,
    .size = sizeof(struct vmsim_bootparams),
    .stlb_entries = AEGIS_TEST_BOOTPARAMS_STLB,
    .avm_pagetable = AEGIS_TEST_BOOTPARAMS_AVM_PT,
    .stlb_org = AEGIS_TEST_BOOTPARAMS_STLB_ORG};
#else
struct vmsim_bootparams aegis_bootparams __attribute__((section(".bootparams"), used)) = {
    .magic = VMSIM_BOOTPARAMS_REQUEST};
#endif

/* Whether the simulator filled the block in (else the kernel's defaults apply). */
static inline int bootparams_valid(void)
{
    const struct vmsim_bootparams *bp = &aegis_bootparams;
    return bp->magic == VMSIM_BOOTPARAMS_MAGIC && bp->version == VMSIM_BOOTPARAMS_VERSION;
}

/* Defined in a part included after their first use. */
static void pin_xpage(struct aegis_env *e);
static void load_fwd(const struct aegis_env *e);
static void boot_fail(int code, const char *msg, uint32_t value) __attribute__((noreturn));
static void asid_take(struct aegis_env *e);
static void asid_release(struct aegis_env *e);
static void timer_restart(void);
static uint32_t timeslice; /* timer period in cycles; 0: no timer (one env) */

#include "pages.c"
#include "stlb.c"
#include "syscall.c"
#include "env.c"
#include "sched.c"
#include "forward.c"
#include "boot.c"
