/*
 * Kernel debugger interface ("kdebug"), as in L4: INT 3 followed by a marker instruction whose
 * bytes the kernel reads at the return EIP to select the operation. The marker is a harmless
 * instruction (cmp $op,%al or a short jump over a string), so the trap returns to it and the
 * program goes on. Only this path reaches the console, the exit port and vmsim's sim-control
 * ports, which user code (CPL 3, IOPL 0) cannot touch itself.
 *
 *   int3; jmp 1f; .ascii "text"; 1:     print "text" (L4's enter_kdebug; we never stop)
 *   int3; cmpb $0x00,%al                print the character in AL (L4 outchar)
 *   int3; cmpb $0x02,%al                print the NUL-terminated string at EAX (L4 outstring)
 *   int3; cmpb $0x05,%al                print EAX as 8 hex digits (L4 outhex32)
 *   int3; cmpb $0x0B,%al                print EAX as unsigned decimal (L4 outdec)
 *   int3; cmpb $0x70,%al                vmsim sim-control: begin measured region EAX (port 0x700)
 *   int3; cmpb $0x71,%al                vmsim sim-control: end measured region EAX (port 0x704)
 *   int3; cmpb $0xF4,%al                end the machine: OUT EAX to the exit port 0xF4
 *                                       (qemu exits with (EAX << 1) | 1; vmsim "guest exit EAX")
 * A string must lie in mapped memory of the caller; the kernel stops at an unmapped page.
 */
#ifndef L4_KDEBUG_H
#define L4_KDEBUG_H

#include <l4/types.h>

#define L4_KD_OUTCHAR 0x00
#define L4_KD_OUTSTRING 0x02
#define L4_KD_OUTHEX32 0x05
#define L4_KD_OUTDEC 0x0B
#define L4_KD_REGION_BEGIN 0x70
#define L4_KD_REGION_END 0x71
#define L4_KD_EXIT 0xF4

#define L4_KD_STR(x) #x
#define L4_KD_OP(op, arg)                                                                                     \
    __asm__ __volatile__("int3\n\tcmpb $" L4_KD_STR(op) ", %%al" : : "a"(arg) : "memory", "cc")

static inline void l4_kd_outchar(char c) { L4_KD_OP(0x00, (l4_word_t)(unsigned char)c); }
static inline void l4_kd_outstring(const char *s) { L4_KD_OP(0x02, (l4_word_t)s); }
static inline void l4_kd_outhex32(l4_word_t v) { L4_KD_OP(0x05, v); }
static inline void l4_kd_outdec(l4_word_t v) { L4_KD_OP(0x0B, v); }
/* vmsim measured regions (i386-platform.md, sim-control): id < VMSIM_SIMCTL_MAX_REGIONS. */
static inline void l4_kd_region_begin(l4_word_t id) { L4_KD_OP(0x70, id); }
static inline void l4_kd_region_end(l4_word_t id) { L4_KD_OP(0x71, id); }
static inline void __attribute__((noreturn)) l4_kd_exit(l4_word_t status)
{
    L4_KD_OP(0xF4, status);
    for (;;) {
    }
}

#define l4_enter_kdebug(text)                                                                                 \
    __asm__ __volatile__("int3\n\tjmp 1f\n\t.ascii \"" text "\"\n1:" : : : "memory")

#endif /* L4_KDEBUG_H */
