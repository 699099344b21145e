/*
 * qsort: quicksort of xorshift32-generated int arrays (cases in
 * qsort_core.h). One line per case:
 *   qsort n=N seed=S range=R checksum=0xXXXXXXXX sorted=yes|no
 * Exits 0 when every array came out sorted, 1 otherwise.
 */
#include <stdint.h>
#include <stdio.h>

#include "qsort_core.h"

static int32_t array[QSORT_MAX_N];

int main(void)
{
    int failures = 0;
    for (unsigned i = 0; i < QSORT_NUM_CASES; i++) {
        const struct qsort_case *c = &qsort_cases[i];
        qsort_fill(array, c->n, c->seed, c->range);
        quicksort_int(array, c->n);
        int sorted = qsort_is_sorted(array, c->n);
        failures += !sorted;
        printf("qsort n=%u seed=%u range=%u checksum=0x%08x sorted=%s\n", (unsigned)c->n,
               (unsigned)c->seed, (unsigned)c->range, (unsigned)qsort_checksum(array, c->n),
               sorted ? "yes" : "no");
    }
    return failures ? 1 : 0;
}
