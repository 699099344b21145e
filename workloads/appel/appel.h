/*
 * The Appel-Li virtual-memory benchmarks (AVM paper, section 4, Figure 1):
 * measured-region ids and run lengths, shared by the benchmark (appel.c), the
 * kernels' bindings and the host code that reads the results.
 *
 * Per-benchmark time = region.<id>.cycles / iterations, where iterations is
 * what the benchmark prints (`appel <name> iterations=N`). Each iteration is
 * one begin/end pair (region.<id>.count = N), except:
 *   trap   - the handler must unprotect the page for the access to complete;
 *            the region is ended before and begun again after that unprotect,
 *            so count = 2 N (APPEL_TRAP_ENTRIES_PER_ITERATION).
 *   appel2 - one iteration is one round over all APPEL_PAGES pages (protect
 *            100, touch each in random order, unprotect in the handler); the
 *            paper's time per page is cycles / iterations / APPEL_PAGES.
 * Every region includes the cost of one region begin/end pair (two in trap).
 * Each benchmark measures that cost in place: an empty region
 * APPEL_REGION_INPLACE_NULL(id) right before each entry of region id, in the
 * same loop (in trap also in the handler, before it re-enters the region), so
 * the null region has as many entries as the benchmark's and its cycles per
 * entry are subtracted entry for entry. APPEL_REGION_NULL is the same pair in
 * a back-to-back loop, kept for comparison.
 */
#ifndef VMSIM_APPEL_H
#define VMSIM_APPEL_H

#define APPEL_PAGES 100

#define APPEL_REGION_DIRTY 1
#define APPEL_REGION_PROT1 2
#define APPEL_REGION_UNPROT1 3
#define APPEL_REGION_PROT100 4
#define APPEL_REGION_UNPROT100 5
#define APPEL_REGION_TRAP 6
#define APPEL_REGION_APPEL1 7
#define APPEL_REGION_APPEL2 8
#define APPEL_REGION_NULL 9 /* empty regions back to back */
#define APPEL_REGION_INPLACE_NULL(id) (16 + (id)) /* 17 .. 24 */

#define APPEL_TRAP_ENTRIES_PER_ITERATION 2

/* Iterations (deterministic: the simulator repeats a run exactly; these only
 * average over page choice and TLB replacement). */
#ifndef APPEL_ITERATIONS_SMALL
#define APPEL_ITERATIONS_SMALL 200 /* null, dirty, (un)prot1, trap, appel1 */
#endif
#ifndef APPEL_ITERATIONS_LARGE
#define APPEL_ITERATIONS_LARGE 50 /* prot100, unprot100 */
#endif
#ifndef APPEL_ROUNDS
#define APPEL_ROUNDS 20 /* appel2 */
#endif

#define APPEL_SEED 0x41707065u

#endif /* VMSIM_APPEL_H */
