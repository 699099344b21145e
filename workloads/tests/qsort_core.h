/*
 * Quicksort of ints and the inputs of the qsort guest. Plain portable C:
 * the guest and the host test both compile it.
 */
#ifndef VMSIM_WORKLOADS_QSORT_CORE_H
#define VMSIM_WORKLOADS_QSORT_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "xorshift32.h"

/* a[i] = xorshift32 value folded into [-range/2, range/2) when range > 0,
 * or the full 32-bit value reinterpreted as signed when range == 0. */
static inline void qsort_fill(int32_t *a, uint32_t n, uint32_t seed, uint32_t range)
{
    uint32_t state = xorshift32_init(seed);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = xorshift32_next(&state);
        a[i] = range ? (int32_t)(x % range) - (int32_t)(range / 2) : (int32_t)x;
    }
}

static inline void qsort_swap(int32_t *a, int32_t *b)
{
    int32_t t = *a;
    *a = *b;
    *b = t;
}

static inline void qsort_insertion(int32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        int32_t v = a[i];
        uint32_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Median-of-three Hoare partitioning; recurses into the smaller part and
 * loops on the larger, so the stack depth stays O(log n). */
static inline void quicksort_int(int32_t *a, uint32_t n)
{
    while (n > 16) {
        uint32_t mid = n / 2;
        if (a[mid] < a[0])
            qsort_swap(&a[mid], &a[0]);
        if (a[n - 1] < a[0])
            qsort_swap(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid])
            qsort_swap(&a[n - 1], &a[mid]);
        int32_t pivot = a[mid];
        uint32_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            qsort_swap(&a[i], &a[j]);
            i++;
            j--;
        }
        /* a[0..j] <= pivot <= a[j+1..n) */
        uint32_t left = j + 1, right = n - left;
        if (left < right) {
            quicksort_int(a, left);
            a += left;
            n = right;
        } else {
            quicksort_int(a + left, right);
            n = left;
        }
    }
    qsort_insertion(a, n);
}

static inline int qsort_is_sorted(const int32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        if (a[i - 1] > a[i])
            return 0;
    }
    return 1;
}

/* Order-dependent checksum (FNV-1a over the 32-bit words). */
static inline uint32_t qsort_checksum(const int32_t *a, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        h ^= (uint32_t)a[i];
        h *= 16777619u;
    }
    return h;
}

/* The qsort guest prints one line per case:
 *   qsort n=<n> seed=<seed> range=<range> checksum=0x<8 hex digits> sorted=yes|no */
struct qsort_case {
    uint32_t n;
    uint32_t seed;
    uint32_t range;
};

static const struct qsort_case qsort_cases[] = {
    {0, 1, 100},     {1, 2, 100},       {2, 3, 100},   {17, 4, 5},
    {100, 5, 1000},  {1000, 6, 0},      {5000, 7, 16}, {10000, 8, 2000000},
};

#define QSORT_NUM_CASES (sizeof qsort_cases / sizeof qsort_cases[0])
#define QSORT_MAX_N 10000u

#endif /* VMSIM_WORKLOADS_QSORT_CORE_H */
