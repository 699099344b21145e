/*
 * The trap-driven trace replay on the R3000 (sim/platform/r3000/replay.cpp,
 * docs/replay.md): what the simulator and the guest program that hosts a replay
 * (workloads/replay) agree on. #defines only, as memmap.h.
 *
 * The guest sets up its address space and its handlers, then begins measured region
 * VMSIM_REPLAY_REGION. When that system call has returned to user mode the simulator
 * takes over: it translates every reference of the trace through the TLB and, on a
 * miss, raises the TLB exception with EPC = VMSIM_REPLAY_SENTINEL, runs the guest
 * until it returns there, and goes on. Afterwards the guest resumes after the system
 * call, ends the region and reports its counters.
 */
#ifndef VMSIM_REPLAY_H
#define VMSIM_REPLAY_H

#define VMSIM_REPLAY_REGION 63u

/* Where the trace's pages live in the guest's address space: aegis segment 0 (below
 * 0x40000000), which the application pages itself. Each 16 MB region of the trace's
 * address space that it touches gets the next 16 MB of this window, in the order of
 * first touch; the offset inside the region is kept, so the low 12 bits of a page
 * number (the entry of a direct-mapped STLB of up to 4096 entries, and which PTEs share a
 * page-table page) are the trace's own. */
#define VMSIM_REPLAY_WINDOW_BASE 0x01000000u
#define VMSIM_REPLAY_WINDOW_END 0x3f000000u
#define VMSIM_REPLAY_REGION_SHIFT 24u

/* The return address of every exception the replay raises: a user address outside
 * the window that no code occupies. */
#define VMSIM_REPLAY_SENTINEL 0x3ffff000u

/* Guest counters (statistics guest.N) the replay program reports at its end, over the
 * whole replay (the skipped references included). */
#define VMSIM_REPLAY_COUNTER_FORWARDED 16u /* TLB misses the STLB did not hold: forwarded */
#define VMSIM_REPLAY_COUNTER_FAULTS 17u    /* pages mapped by the fault handler (first touch) */
#define VMSIM_REPLAY_COUNTER_ALIASED 18u   /* of them, on a frame already mapped (RAM used up) */

#endif
