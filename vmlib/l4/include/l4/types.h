/*
 * L4 X.0-style user ABI of vmsim's l4 kernel: basic types (i386, 32-bit words).
 *
 * Sources: Liedtke, "L4 Nucleus Version X Reference Manual, x86" (X.0, 1999) [S3 of
 * ../shared/reference/i386.md, section 4] and the Hazelnut kernel (l4ka/hazelnut) [S4].
 * Everything here is a 32-bit word passed in registers; the layouts follow X.0 where the sheet
 * gives them (fpage, timeouts, descriptors) and are documented as our own where it does not
 * (thread-id field widths). vmlib/l4/README.md lists the differences from X.0.
 *
 * This header is shared by the kernel and by user code (sigma0, root tasks, SawMill); its
 * layouts are an interface: change them only with a note in the commit message.
 */
#ifndef L4_TYPES_H
#define L4_TYPES_H

#include <stdint.h>

typedef uint32_t l4_word_t;

/* ---- Thread ids ------------------------------------------------------------------------
 * A global thread id is one 32-bit word (X.0 x86 uses 32-bit ids, passed in ESI):
 *   bits  9..0  version   (chosen by the creator of the task; kept, compared on IPC)
 *   bits 15..10 lthread   (thread number inside its task, 0..63)
 *   bits 23..16 task      (address-space number, 0..255)
 *   bits 31..24 chief     (reserved, 0: this kernel has no clans & chiefs, README)
 * nil (0) means "no thread"; invalid (all ones) is never a thread.
 * Fixed task numbers as in L4: 2 = sigma0, 4 = the root task (the first user task).
 */
typedef union {
    l4_word_t raw;
    struct {
        unsigned version : 10;
        unsigned lthread : 6;
        unsigned task : 8;
        unsigned chief : 8;
    } id;
} l4_threadid_t;

#define L4_LTHREADS_PER_TASK 64u
#define L4_MAX_TASKS 256u
#define L4_NIL_ID ((l4_threadid_t){.raw = 0})
#define L4_INVALID_ID ((l4_threadid_t){.raw = 0xFFFFFFFFu})
#define L4_SIGMA0_TASK 2u
#define L4_ROOT_TASK 4u

static inline l4_threadid_t l4_make_id(unsigned task, unsigned lthread, unsigned version)
{
    l4_threadid_t t;
    t.raw = ((l4_word_t)(task & 0xFFu) << 16) | ((l4_word_t)(lthread & 0x3Fu) << 10) | (version & 0x3FFu);
    return t;
}
static inline unsigned l4_task_of(l4_threadid_t t) { return (t.raw >> 16) & 0xFFu; }
static inline unsigned l4_lthread_of(l4_threadid_t t) { return (t.raw >> 10) & 0x3Fu; }
static inline int l4_is_nil(l4_threadid_t t) { return t.raw == 0; }
static inline int l4_is_invalid(l4_threadid_t t) { return t.raw == 0xFFFFFFFFu; }
static inline int l4_same_thread(l4_threadid_t a, l4_threadid_t b) { return a.raw == b.raw; }
/* Another thread of the same task (same task number and version) with a new lthread number. */
static inline l4_threadid_t l4_sibling(l4_threadid_t t, unsigned lthread)
{
    t.raw = (t.raw & ~(0x3Fu << 10)) | ((l4_word_t)(lthread & 0x3Fu) << 10);
    return t;
}
#define L4_SIGMA0_ID l4_make_id(L4_SIGMA0_TASK, 0, 0)

/* ---- Flexpages (sheet section 4; X.0 manual "fpage", L4Ka l4.h L4_FP_* [S26]) ------------
 *   bits 31..12 base / 4096 (base is 2^s-aligned)
 *   bits 11..8  0
 *   bits  7..2  s = log2(size), 12..32; s = 32 is the whole user address space
 *   bit   1     w: in a send fpage, 1 = map with all rights the mapper holds, 0 = read-only;
 *                  in fpage_unmap's mapmask, 1 = remove, 0 = downgrade to read-only
 *   bit   0     g: 1 = grant (the mapper loses the pages), 0 = map
 */
typedef union {
    l4_word_t raw;
    struct {
        unsigned grant : 1;
        unsigned write : 1;
        unsigned size : 6;
        unsigned zero : 4;
        unsigned page : 20;
    } fp;
} l4_fpage_t;

#define L4_PAGESHIFT 12u
#define L4_PAGESIZE 4096u
#define L4_WHOLE_SPACE 32u
#define L4_FPAGE_GRANT 0x1u
#define L4_FPAGE_RW 0x2u
#define L4_FPAGE_RO 0x0u
#define L4_FPAGE_MAP 0x0u
#define L4_NIL_FPAGE ((l4_fpage_t){.raw = 0})

/* base is rounded down to a 2^size boundary; size < 12 is raised to 12 (one page). */
static inline l4_fpage_t l4_fpage(l4_word_t base, unsigned size, unsigned write, unsigned grant)
{
    l4_fpage_t f;
    if (size < L4_PAGESHIFT) size = L4_PAGESHIFT;
    if (size >= 32) {
        size = 32;
        base = 0;
    } else {
        base &= ~((1u << size) - 1u);
    }
    f.raw = (base & ~0xFFFu) | ((l4_word_t)size << 2) | (write ? L4_FPAGE_RW : 0u) | (grant ? L4_FPAGE_GRANT : 0u);
    return f;
}
static inline l4_word_t l4_fpage_base(l4_fpage_t f) { return f.raw & ~0xFFFu; }
static inline unsigned l4_fpage_log2(l4_fpage_t f) { return (f.raw >> 2) & 0x3Fu; }
static inline l4_fpage_t l4_fpage_whole_space(void) { return l4_fpage(0, 32, 1, 0); }

/* fpage_unmap (INT 0x32) mapmask, X.0 / L4 V2 L4_FP_*: bit 1 = w (1 flush, 0 remap read-only),
 * bit 31 = f (1: also the caller's own mapping, 0: only the spaces that got the pages from it). */
#define L4_FP_REMAP_PAGE 0x00000000u   /* w = 0: downgrade to read-only */
#define L4_FP_FLUSH_PAGE 0x00000002u   /* w = 1: remove */
#define L4_FP_OTHER_SPACES 0x00000000u /* f = 0 */
#define L4_FP_ALL_SPACES 0x80000000u   /* f = 1 */

/* ---- IPC descriptors ---------------------------------------------------------------------
 * Only register messages exist in this kernel (3 words in EDX, EBX, EDI + the sender id in ESI):
 * memory message buffers (descriptor bits 31..2 pointing to a buffer in X.0) are not supported.
 *
 * Send descriptor (EAX):  L4_IPC_NIL_DESCRIPTOR = no send phase;
 *                         L4_IPC_SHORT_MSG = 3 data words;
 *                         L4_IPC_SHORT_FPAGE = map message: word0 = snd_base, word1 = send fpage
 *                         (w/g bits as above), word2 = data.
 * Receive descriptor (EBP): L4_IPC_NIL_DESCRIPTOR = no receive phase;
 *                         L4_IPC_SHORT_MSG = register message only, mappings are refused;
 *                         l4_rcv_window(fpage) = also accept one map item into this window;
 *                         | L4_IPC_OPEN_WAIT = open receive (any sender), else closed (ESI).
 */
#define L4_IPC_NIL_DESCRIPTOR 0xFFFFFFFFu
#define L4_IPC_SHORT_MSG 0x0u
#define L4_IPC_SHORT_FPAGE 0x2u
#define L4_IPC_OPEN_WAIT 0x1u

static inline l4_word_t l4_rcv_window(l4_fpage_t window)
{
    return (window.raw & ~0x3u) | L4_IPC_SHORT_FPAGE;
}

/* ---- IPC result (EAX after INT 0x30), the "message dope" result bits of X.0 ----------------
 * bits 7..4 error code (0 = success); an odd code (bit 4 set) happened in the send phase,
 * an even non-zero code in the receive phase. Bit 1: a map item was received. */
#define L4_IPC_ERROR_MASK 0xF0u
#define L4_IPC_SEND_ERROR 0x10u
#define L4_IPC_ENOT_EXISTENT 0x10u /* destination does not exist (send phase) */
#define L4_IPC_RETIMEOUT 0x20u     /* receive timeout */
#define L4_IPC_SETIMEOUT 0x30u     /* send timeout */
#define L4_IPC_RECANCELED 0x40u    /* receive cancelled by lthread_ex_regs */
#define L4_IPC_SECANCELED 0x50u    /* send cancelled by lthread_ex_regs */
#define L4_IPC_REMAPFAILED 0x60u   /* a map item could not be received */
#define L4_IPC_SEMAPFAILED 0x70u   /* a map item could not be sent */
#define L4_IPC_FPAGE_RECEIVED 0x02u
#define L4_IPC_IS_ERROR(r) (((r) & L4_IPC_ERROR_MASK) != 0)

/* ---- Timeouts (ECX), X.0 layout ----------------------------------------------------------
 *   bits  3..0  rcv exponent e      bits 7..4   snd exponent
 *   bits 11..8  rcv page-fault exp   bits 15..12 snd page-fault exp
 *   bits 23..16 snd mantissa m       bits 31..24 rcv mantissa
 * value = m * 4^(15-e) microseconds; e = 0 means infinite; m = 0 with e != 0 means zero (poll).
 * This kernel implements infinite and zero exactly; a finite non-zero timeout is rounded up to
 * whole timer ticks (README). Page-fault timeouts are accepted and unused: IPC copies registers
 * only, so no page fault can happen during an IPC. */
typedef l4_word_t l4_timeout_t;
#define L4_IPC_TIMEOUT(snd_man, snd_exp, rcv_man, rcv_exp, snd_pf, rcv_pf)                          \
    ((l4_timeout_t)(((l4_word_t)(rcv_exp) & 15u) | (((l4_word_t)(snd_exp) & 15u) << 4) |            \
                    (((l4_word_t)(rcv_pf) & 15u) << 8) | (((l4_word_t)(snd_pf) & 15u) << 12) |      \
                    (((l4_word_t)(snd_man) & 255u) << 16) | (((l4_word_t)(rcv_man) & 255u) << 24)))
#define L4_IPC_NEVER ((l4_timeout_t)0)
#define L4_IPC_SEND_TIMEOUT_0 L4_IPC_TIMEOUT(0, 1, 0, 0, 0, 0)
#define L4_IPC_RECV_TIMEOUT_0 L4_IPC_TIMEOUT(0, 0, 0, 1, 0, 0)
#define L4_IPC_BOTH_TIMEOUT_0 L4_IPC_TIMEOUT(0, 1, 0, 1, 0, 0)

/* ---- Register message ---------------------------------------------------------------------- */
typedef struct {
    l4_word_t w[3]; /* w[0] = EDX, w[1] = EBX, w[2] = EDI */
} l4_msg_t;

/* ---- Page-fault IPC (sheet section 4, Hazelnut) ----------------------------------------------
 * On a #PF in user mode the kernel blocks the faulting thread and sends, on its behalf, a
 * register message to the thread's pager (a call: the thread then waits for the pager's reply):
 *   sender id = the faulting thread
 *   word0 = (CR2 & ~3) | (error code & 2)   -> fault address, bit 1 = write access
 *   word1 = EIP of the faulting instruction
 *   word2 = 0
 * The receive window of that call is the whole user space (fpage(0, 32)). The kernel accepts a
 * map/grant reply (L4_IPC_SHORT_FPAGE: word0 = snd_base, word1 = fpage) or a plain register
 * reply and ignores its content; then the instruction restarts (and faults again if the page is
 * still missing). Faults of sigma0 are mapped 1:1 by the kernel itself. */
#define L4_PF_WRITE 0x2u
#define L4_PF_ADDR(w0) ((w0) & ~0x3u)
#define L4_PF_IS_WRITE(w0) (((w0) & L4_PF_WRITE) != 0)

/* ---- lthread_ex_regs / task_new "do not change" value ------------------------------------- */
#define L4_NO_CHANGE 0xFFFFFFFFu

/* ---- User address-space layout -------------------------------------------------------------
 * User space is [0, L4_USER_END); the kernel is mapped supervisor-only above it in every space. */
#define L4_USER_END 0xC0000000u

#endif /* L4_TYPES_H */
