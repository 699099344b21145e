/*
 * The sigma0 protocol (the initial pager, task 2, lthread 0).
 *
 * Sigma0 owns all physical memory that the kernel does not use and hands it out idempotently:
 * a page goes to the first task that asks for it (L4's sigma0 rule), and that task may ask again
 * and gets the same page. Requests are register IPCs (calls) with a receive window:
 *
 *  - a page fault, or a page request of the same form: word0 = address (| L4_PF_WRITE),
 *    word2 = 0. Reply: map message of the 4 KB page at that physical address, writable
 *    (word0 = snd_base = the address, word1 = fpage(address, 12, rw)); so the page appears at its
 *    physical address when the window is the whole space (always so for page faults).
 *  - any free page: word0 = L4_SIGMA0_ANY_PAGE, word2 = 0. Reply: a map message of some free
 *    page (word0 = its physical address), or word1 = nil fpage when none is left.
 *  - memory information: word0 = L4_SIGMA0_MEMINFO, word2 = 0. Reply (register message):
 *    word0 = end of physical RAM, word1 = start and word2 = end of the kernel's reserved range
 *    (the only RAM sigma0 refuses besides pages already owned by another task).
 * A refused request (address outside RAM, kernel memory, or a page owned by another task) gets a
 * register reply with word1 = nil fpage (0); for a page fault this means the thread faults again,
 * so sigma0 also prints a line on the console.
 */
#ifndef L4_SIGMA0_H
#define L4_SIGMA0_H

#include <l4/types.h>

#define L4_SIGMA0_ANY_PAGE 0xFFFFFFFCu
#define L4_SIGMA0_MEMINFO 0xFFFFFFF8u

#endif /* L4_SIGMA0_H */
