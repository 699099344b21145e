/* aegis: user-level system call stubs (vmlib/aegis/user/sys.S) and runtime. */
#ifndef AEGIS_SYS_H
#define AEGIS_SYS_H

#include <stdint.h>
#include <aegis/abi.h>

int aegis_cputs(const char *s, unsigned len);
int aegis_page_alloc(uint32_t pfn, uint32_t cap);
int aegis_page_free(uint32_t pfn, uint32_t cap);
int aegis_page_setcap(uint32_t pfn, uint32_t cap, uint32_t newcap);
int aegis_tlb_write(uint32_t va, uint32_t entrylo, uint32_t cap);
int aegis_tlb_flush(uint32_t va, unsigned npages, unsigned flags);
int aegis_stlb_probe(uint32_t va);
int aegis_stlb_update(uint32_t va, uint32_t entrylo, uint32_t cap);
int aegis_tlb_write_n(const struct aegis_tlbreq *reqs, unsigned n);
int aegis_tlb_write_range(uint32_t va, const uint32_t *entries, unsigned n, unsigned stride);
int aegis_set_handlers(void *xpage, aegis_handler_t tlbmiss, aegis_handler_t exc);
int aegis_set_exc_handler(unsigned exccode, aegis_handler_t entry);
int aegis_guarantee(uint32_t va, uint32_t entrylo, uint32_t cap);
int aegis_region(unsigned n, unsigned end);
int aegis_counter(unsigned n, unsigned value); /* AEGIS_SYS_COUNTER */
int aegis_info(unsigned what);
int aegis_yield(void);
void aegis_exit(int code) __attribute__((noreturn));

/* Measured regions (the kernel writes the simulator's region registers). */
static inline void aegis_region_begin(unsigned n) { aegis_region(n, 0); }
static inline void aegis_region_end(unsigned n) { aegis_region(n, 1); }

/* The free-page bitmap the kernel maps read-only: 1 if physical page pfn is free. */
static inline int aegis_page_is_free(uint32_t pfn)
{
    return (((const volatile uint32_t *)AEGIS_FREEMAP_VA)[pfn >> 5] >> (pfn & 31)) & 1;
}

/* The application's xpage (user/xpage.S): frames of forwarded exceptions and the
 * return stub. Register it with aegis_set_handlers(). */
extern struct aegis_xpage aegis_xpage;

#endif
