/*
 * unix user library: system-call stubs and the signal trampoline.
 * A failed call returns -1 and leaves the error in errno (a3 = 1, v0 = errno).
 */
#include <unix/syscall.h>

        .set    noreorder

#define SYSCALL(name, number)           \
        .text;                          \
        .globl  name;                   \
        .ent    name;                   \
name:   li      $v0, number;            \
        syscall;                        \
        bnez    $a3, cerror;            \
        nop;                            \
        jr      $ra;                    \
        nop;                            \
        .end    name

SYSCALL(write, SYS_write)
SYSCALL(sbrk, SYS_sbrk)
SYSCALL(mprotect, SYS_mprotect)
SYSCALL(_sigaction, SYS_sigaction)
SYSCALL(sigstack, SYS_sigstack)

        .text
        .globl  _exit
        .ent    _exit
_exit:  li      $v0, SYS_exit
        syscall
        break   0                       /* not reached */
        .end    _exit

        .ent    cerror
cerror: lui     $t0, %hi(errno)
        sw      $v0, %lo(errno)($t0)
        jr      $ra
        li      $v0, -1
        .end    cerror

/* Measured regions: one syscall each, answered at the top of the kernel's
 * general vector (see vmlib/unix/kernel/locore.S). */
        .globl  vm_region_begin
        .ent    vm_region_begin
vm_region_begin:
        li      $v0, SYS_region_begin
        syscall
        jr      $ra
        nop
        .end    vm_region_begin

        .globl  vm_region_end
        .ent    vm_region_end
vm_region_end:
        li      $v0, SYS_region_end
        syscall
        jr      $ra
        nop
        .end    vm_region_end

/* sigtramp: entered by the kernel with a0 = signal, a1 = code, a2 = the
 * sigcontext, a3 = the handler, sp = the signal frame. s0 may be used: the
 * sigcontext holds it and sigreturn reloads every register. */
        .globl  sigtramp
        .ent    sigtramp
sigtramp:
        move    $s0, $a2
        jalr    $a3
        nop
        move    $a0, $s0
        li      $v0, SYS_sigreturn
        syscall
        break   0                       /* sigreturn failed */
        .end    sigtramp

        .bss
        .align  2
        .globl  errno
errno:  .space  4
