/*
 * Measured regions of the AVM library (the simulator's sim-control regions,
 * <vmsim/memmap.h>: ids 0..63). The library takes 40..47; workloads/appel uses
 * 1..9 and 17..24 (appel.h).
 *
 *   AVM_REGION_LOOKUP       the page-table lookup of avm_tlb_miss, the
 *                           application-level refill (one entry per forwarded
 *                           TLB miss)
 *   AVM_REGION_LOOKUP_NULL  an empty region right before each entry of it
 *
 * A region begin or end is a system call on aegis (about 50 cycles for the
 * pair, more than the lookup), so each lookup region carries that pair; the
 * empty region, entered as often and in the same state, carries the same, and
 *     per lookup = (region.40.X - region.41.X) / region.40.count
 * for X = cycles or instructions is the lookup alone (the in-place null of
 * workloads/appel/appel.h). 42..47 are reserved for the library.
 *
 * Plain #defines: the host code that reads the statistics includes it too.
 */
#ifndef AVM_REGIONS_H
#define AVM_REGIONS_H

#define AVM_REGION_LOOKUP 40
#define AVM_REGION_LOOKUP_NULL 41

#endif /* AVM_REGIONS_H */
