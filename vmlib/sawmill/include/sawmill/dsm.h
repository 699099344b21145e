/*
 * The dataspace-manager protocol (seed 001, section 3.2) over L4 register IPC:
 * a request is three words (EDX, EBX, EDI), a reply three words or a map
 * message (word0 = send base, word1 = fpage, word2 = status).
 *
 *   request word0 = SM_DSM_REQUEST | op << 1 | ds << 8
 *           word1 = offset in bytes (or a count, by op)
 *           word2 = the op's argument
 *
 * Bit 0 of word0 tells a request from a page-fault IPC, whose word0 is a fault
 * address with bit 0 clear (l4/types.h): a manager can also be the plain L4
 * pager of a thread that has no region map (the seed's section 2.2 pager).
 *
 * Mandatory operations (the paper's prototype implements exactly these):
 *   IDENTIFY    word1 = size in pages (what to identify is manager-specific:
 *               the anonymous-memory manager creates a fresh zero-filled
 *               dataspace of that size; the main-memory manager a block of
 *               frames of that size rounded up to a power of two, aligned to it;
 *               with size 0, the program image of the caller's task)
 *               -> word0 = status, word1 = dataspace id, word2 = size in pages
 *   OPEN        word2 = rights (SM_RIGHT_R | SM_RIGHT_W) to attach it with
 *               -> word0 = status, word1 = where the dataspace lies in the
 *               manager's own address space (only meaningful to a thread of
 *               the manager's task), word2 = size in pages
 *   CLOSE       -> status; every page of the dataspace mapped to a client is
 *               unmapped (the dataspace id stays valid)
 *   INTERROGATE -> word0 = status, word1 = bit mask of supported ops (1 << op)
 * Paging and protection (what a region map and the vmbench binding use):
 *   PAGEIN      word1 = offset, word2 = SM_RIGHT_W for a write access -> a map
 *               message of the page, with the rights the dataspace was opened
 *               with, into the receive window of the caller
 *   PROTECT     word1 = offset, word2 = pages -> status; the pages are unmapped
 *               from every client (fpage_unmap, one call per flexpage)
 *   UNPROTECT   word1 = offset, word2 = log2(pages) of one flexpage -> a map
 *               message of that flexpage, read-write, into the caller's window
 *   STATS       -> word0 = status, word1 = fpage_unmap calls, word2 = map
 *               messages sent (for tests)
 */
#ifndef SAWMILL_DSM_H
#define SAWMILL_DSM_H

#define SM_DSM_REQUEST 1u

#define SM_DS_IDENTIFY 1u
#define SM_DS_OPEN 2u
#define SM_DS_CLOSE 3u
#define SM_DS_INTERROGATE 4u
#define SM_DS_PAGEIN 5u
#define SM_DS_PROTECT 6u
#define SM_DS_UNPROTECT 7u
#define SM_DS_STATS 8u

#define SM_DS_MANDATORY_OPS                                                                         \
    ((1u << SM_DS_IDENTIFY) | (1u << SM_DS_OPEN) | (1u << SM_DS_CLOSE) | (1u << SM_DS_INTERROGATE))

#define SM_DSM_WORD0(op, ds) (SM_DSM_REQUEST | ((op) << 1) | ((ds) << 8))
#define SM_DSM_IS_REQUEST(w0) (((w0) & SM_DSM_REQUEST) != 0)
#define SM_DSM_OP(w0) (((w0) >> 1) & 0x7fu)
#define SM_DSM_DS(w0) ((w0) >> 8)

/* Status words (reply word0, or word2 of a map reply). */
#define SM_OK 0u
#define SM_ENOENT 1u  /* no such dataspace */
#define SM_EACCES 2u  /* the access exceeds the rights it was opened with, or it is closed */
#define SM_ERANGE 3u  /* offset or length beyond the dataspace */
#define SM_ENOMEM 4u  /* out of frames or dataspace slots */
#define SM_ENOSYS 5u  /* operation not supported by this manager */
#define SM_EINVAL 6u  /* misaligned flexpage or bad argument */

#ifndef SM_RIGHT_R
#define SM_RIGHT_R 1u
#define SM_RIGHT_W 2u
#endif

#endif /* SAWMILL_DSM_H */
