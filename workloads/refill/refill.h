/*
 * The TLB refill paths measured by running them (`vmsim reproduce rialto-refill`,
 * sim/experiment/figures/rialto_refill.cpp): region ids and counts shared by the
 * guest (refill.c, on aegis and on unix) and the host code that reads the results.
 *
 * Each kind of refill is measured REFILL_EVENTS times, one event per region:
 * region REFILL_REGION_EVENT(kind, i) holds one load that takes exactly one refill
 * of that kind, and region REFILL_REGION_BASE(kind), entered REFILL_EVENTS times in
 * the same loop, the same load hitting the TLB. An event's instructions minus the
 * base's per entry are the refill's: the faulting load retires once in both (an
 * instruction that raises an exception does not retire). A region also counts the
 * instructions that raised an exception (region.N.faulted): an event whose refill
 * made the TLB drop a page the code needs right after (the code page, Random's
 * choice) takes a second refill; the host keeps the events with the fewest.
 */
#ifndef VMSIM_REFILL_H
#define VMSIM_REFILL_H

#define REFILL_EVENTS 12

/* aegis: an STLB hit (direct, or way 0 of 2way); unix: the Context refill from the
 * linear page table */
#define REFILL_KIND_HIT 0
/* aegis 2way: a hit in way 1 */
#define REFILL_KIND_WAY1 1
/* aegis: an STLB miss (every miss without an STLB) forwarded to the application's
 * handler, which refills from the AVM page table */
#define REFILL_KIND_MISS 2
#define REFILL_KINDS 3

/* Ids 1 .. 39 (AVM takes 40 .. 47, vmlib/avm/avm_regions.h). */
#define REFILL_REGION_BASE(kind) (1 + (kind))                                /* 1 .. 3 */
#define REFILL_REGION_EVENT(kind, i) (1 + REFILL_KINDS + (kind) * REFILL_EVENTS + (i)) /* 4 .. 39 */

#endif /* VMSIM_REFILL_H */
