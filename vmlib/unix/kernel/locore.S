/*
 * unix kernel stub: boot entry, exception vectors, trap entry/exit and TLB
 * primitives (MIPS-I, written the way a 4.3BSD-derived MIPS kernel did it).
 *
 * Linked with vmlib/kernel.ld (NO_RUNTIME): the UTLB vector goes to 0x80000000
 * (.vector.utlb), the general vector to 0x80000080 (.vector.general), the boot
 * parameter block (main.c) to 0x80000100, .text from 0x80000200.
 */
#include <unix/syscall.h>
#include <vmsim/memmap.h>

#include "machdep.h"

        .set    noreorder
        .set    noat

/* ---- boot ------------------------------------------------------------------
 * The simulator enters here in kernel mode with sp = top of RAM (kseg0). */
        .text
        .globl  _start
        .ent    _start
_start:
        mtc0    $zero, C0_STATUS        /* kernel mode, interrupts off, BEV = 0 */
        mtc0    $zero, C0_CAUSE
        la      $t0, ram_top
        sw      $sp, 0($t0)             /* RAM size for the page allocator */
        la      $t0, __bss_start        /* clear .bss (ram_top lives in .data) */
        la      $t1, __bss_end
        beq     $t0, $t1, 2f
        nop
1:      addiu   $t0, $t0, 4
        bne     $t0, $t1, 1b
        sw      $zero, -4($t0)
2:      li      $t0, -8                 /* boot on the stack the simulator gave (top */
        and     $sp, $sp, $t0           /* of RAM; vm_bootstrap keeps it out of the */
        addiu   $sp, $sp, -24           /* page pool): kstack is the trap stack */
        jal     kmain                   /* never returns: ends in user mode */
        nop
        .end    _start

/* ---- UTLB refill -----------------------------------------------------------
 * The classic linear-page-table handler (9 instructions). Context holds
 * PTEBase | BadVPN << 2: the kseg2 address of the PTE in the current process's
 * page table. k0 keeps the EPC of the missing instruction *before* the PTE
 * load, because that load can itself miss (the page-table page is not in the
 * TLB): the general vector then maps the page-table page and restarts the
 * instruction at k0 (see exc_nested below). The PTE is copied whatever its V
 * bit: a protected (V = 0) page then takes TLBL/TLBS through the general vector. */
        .section .vector.utlb, "ax", @progbits
        .globl  vmsim_utlb_vector
        .ent    vmsim_utlb_vector
vmsim_utlb_vector:
        mfc0    $k1, C0_CONTEXT
        mfc0    $k0, C0_EPC
        .globl  utlb_pte_load
utlb_pte_load:
        lw      $k1, 0($k1)             /* may miss in kseg2: nested TLBL */
        nop
        mtc0    $k1, C0_ENTRYLO
        nop
        tlbwr
        jr      $k0
        rfe
        .end    vmsim_utlb_vector

/* ---- general exception vector ------------------------------------------------
 * 1. syscall: the two sim-control region calls are answered here (the device
 *    write and the return, nothing saved; see unix/syscall.h); every other
 *    call goes to the full trap entry.
 * 2. anything else: keep k0 (it may be the UTLB handler's saved EPC) and go
 *    on in .text. */
        .section .vector.general, "ax", @progbits
        .globl  vmsim_general_vector
        .ent    vmsim_general_vector
vmsim_general_vector:
        mfc0    $k1, C0_CAUSE
        nop
        andi    $k1, $k1, 0x7c
        xori    $k1, $k1, EXC_SYS << 2
        bnez    $k1, 1f
        lui     $k1, %hi(nested_k0)     /* delay slot: used at 1: */
        addiu   $k0, $v0, -SYS_region_begin
        sltiu   $k1, $k0, 2             /* v0 is region_begin or region_end? */
        beqz    $k1, exc_save
        sltiu   $k1, $a0, VMSIM_SIMCTL_MAX_REGIONS
        beqz    $k1, exc_save           /* a bad id: the C code answers EINVAL */
        sll     $k0, $k0, 2             /* 0: begin, 4: end */
        lui     $k1, %hi(VMSIM_KSEG1(VMSIM_SIMCTL_BASE))
        addu    $k1, $k1, $k0
        sw      $a0, VMSIM_SIMCTL_REGION_BEGIN($k1)
        mfc0    $k0, C0_EPC
        nop
        addiu   $k0, $k0, 4
        jr      $k0
        rfe
1:      j       exc_other
        sw      $k0, %lo(nested_k0)($k1)
        .end    vmsim_general_vector

        .text
/* Not a syscall. A TLBL on the page-table area raised by the UTLB handler's
 * PTE load is a nested miss: enter the page-table page (from usrptmap) into
 * the TLB and restart the user's instruction, which misses again in the UTLB
 * and now finds its PTE. Everything else gets the full trap entry. */
        .ent    exc_other
exc_other:
        mfc0    $k0, C0_CAUSE
        mfc0    $k1, C0_EPC
        andi    $k0, $k0, 0x7c
        addiu   $k0, $k0, -(EXC_TLBL << 2)
        sltiu   $k0, $k0, 8             /* TLBL or TLBS? */
        beqz    $k0, exc_save
        lui     $k0, %hi(utlb_pte_load)
        addiu   $k0, $k0, %lo(utlb_pte_load)
        beq     $k0, $k1, exc_nested    /* the UTLB handler's PTE load */
        mfc0    $k0, C0_BADVADDR
/* A kernel reference to the page-table area (vtopte: the kernel reads and
 * writes PTEs at their kseg2 addresses, as 4.3BSD's p_p0br + vpn) that missed
 * in the TLB: enter the page-table page from usrptmap and retry it (the
 * kernel TLB miss of the MIPS Unix kernels, answered from the map of the
 * system pages holding user page tables). */
exc_ktlb:
        nop
        srl     $k0, $k0, 24
        xori    $k0, $k0, 0xc0          /* UPT_AREA >> 24 */
        bnez    $k0, exc_save           /* not the page-table area */
        mfc0    $k1, C0_STATUS
        nop
        andi    $k1, $k1, SR_KUP
        bnez    $k1, exc_save           /* (user mode cannot reach kseg2) */
        mfc0    $k1, C0_BADVADDR
        lui     $k0, %hi(usrptmap)
        srl     $k1, $k1, PGSHIFT - 2
        andi    $k1, $k1, 0xfffc
        addu    $k1, $k1, $k0
        lw      $k1, %lo(usrptmap)($k1)
        nop
        beqz    $k1, exc_save           /* no page-table page: a kernel bug */
        nop
        mtc0    $k1, C0_ENTRYLO         /* EntryHi holds the missing VPN */
        nop
        tlbwr
        lui     $k1, %hi(cnt_ktlb_misses)
        lw      $k0, %lo(cnt_ktlb_misses)($k1)
        nop
        addiu   $k0, $k0, 1
        sw      $k0, %lo(cnt_ktlb_misses)($k1)
        mfc0    $k0, C0_EPC
        nop
        jr      $k0
        rfe
exc_nested:
        mfc0    $k1, C0_BADVADDR        /* the PTE address, in the page-table area */
        lui     $k0, %hi(usrptmap)
        srl     $k1, $k1, PGSHIFT - 2   /* (BadVAddr - UPT_AREA) / NBPG * 4: */
        andi    $k1, $k1, 0xfffc        /* the area is 16 MB, 0xc0000000-0xc0ffffff */
        addu    $k1, $k1, $k0
        lw      $k1, %lo(usrptmap)($k1)
        nop
        beqz    $k1, exc_save           /* no page-table page: a kernel bug */
        nop
        mtc0    $k1, C0_ENTRYLO         /* EntryHi already holds the kseg2 VPN */
        nop
        tlbwr
        lui     $k1, %hi(cnt_nested_tlb_misses)
        lw      $k0, %lo(cnt_nested_tlb_misses)($k1)
        nop
        addiu   $k0, $k0, 1
        sw      $k0, %lo(cnt_nested_tlb_misses)($k1)
        /* Two exceptions are stacked in Status (UTLB refill, then this one):
         * pop one level here, rfe pops the other, back to the mode of the
         * instruction that missed. */
        mfc0    $k1, C0_STATUS
        nop
        srl     $k0, $k1, 2
        andi    $k0, $k0, 0xf
        srl     $k1, $k1, 4
        sll     $k1, $k1, 4
        or      $k1, $k1, $k0
        mtc0    $k1, C0_STATUS
        lui     $k1, %hi(nested_k0)
        lw      $k0, %lo(nested_k0)($k1)
        nop
        jr      $k0
        rfe
        .end    exc_other

/* Full trap entry: save the whole user context in a trap frame at the top of
 * the kernel stack and call trap(tf); the way out reloads it from the frame.
 * An exception in kernel mode (other than a nested page-table miss) is a
 * kernel bug: kernel_fault() prints it and stops the machine. */
        .globl  exc_save
        .ent    exc_save
exc_save:
        mfc0    $k0, C0_STATUS
        nop
        andi    $k0, $k0, SR_KUP
        beqz    $k0, exc_kernel
        move    $k1, $sp
        la      $sp, kstack + KSTACK_SIZE - TF_FRAME
        sw      $k1, 24 + TF_REG(29)($sp)
        sw      $1, 24 + TF_REG(1)($sp)
        sw      $2, 24 + TF_REG(2)($sp)
        sw      $3, 24 + TF_REG(3)($sp)
        sw      $4, 24 + TF_REG(4)($sp)
        sw      $5, 24 + TF_REG(5)($sp)
        sw      $6, 24 + TF_REG(6)($sp)
        sw      $7, 24 + TF_REG(7)($sp)
        sw      $8, 24 + TF_REG(8)($sp)
        sw      $9, 24 + TF_REG(9)($sp)
        sw      $10, 24 + TF_REG(10)($sp)
        sw      $11, 24 + TF_REG(11)($sp)
        sw      $12, 24 + TF_REG(12)($sp)
        sw      $13, 24 + TF_REG(13)($sp)
        sw      $14, 24 + TF_REG(14)($sp)
        sw      $15, 24 + TF_REG(15)($sp)
        sw      $16, 24 + TF_REG(16)($sp)
        sw      $17, 24 + TF_REG(17)($sp)
        sw      $18, 24 + TF_REG(18)($sp)
        sw      $19, 24 + TF_REG(19)($sp)
        sw      $20, 24 + TF_REG(20)($sp)
        sw      $21, 24 + TF_REG(21)($sp)
        sw      $22, 24 + TF_REG(22)($sp)
        sw      $23, 24 + TF_REG(23)($sp)
        sw      $24, 24 + TF_REG(24)($sp)
        sw      $25, 24 + TF_REG(25)($sp)
        sw      $28, 24 + TF_REG(28)($sp)
        sw      $30, 24 + TF_REG(30)($sp)
        sw      $31, 24 + TF_REG(31)($sp)
        mfhi    $t0
        mflo    $t1
        mfc0    $t2, C0_EPC
        mfc0    $t3, C0_STATUS
        mfc0    $t4, C0_CAUSE
        mfc0    $t5, C0_BADVADDR
        sw      $t0, 24 + TF_HI($sp)
        sw      $t1, 24 + TF_LO($sp)
        sw      $t2, 24 + TF_EPC($sp)
        sw      $t3, 24 + TF_STATUS($sp)
        sw      $t4, 24 + TF_CAUSE($sp)
        sw      $t5, 24 + TF_BADVADDR($sp)
        jal     trap
        addiu   $a0, $sp, 24            /* delay slot: trap(tf) */
        /* fall into exc_restore */
        .globl  exc_restore
exc_restore:
        lw      $t0, 24 + TF_HI($sp)
        lw      $t1, 24 + TF_LO($sp)
        lw      $t2, 24 + TF_STATUS($sp)
        mthi    $t0
        mtlo    $t1
        mtc0    $t2, C0_STATUS          /* KUc/IEc stay 0 until rfe */
        lw      $1, 24 + TF_REG(1)($sp)
        lw      $2, 24 + TF_REG(2)($sp)
        lw      $3, 24 + TF_REG(3)($sp)
        lw      $4, 24 + TF_REG(4)($sp)
        lw      $5, 24 + TF_REG(5)($sp)
        lw      $6, 24 + TF_REG(6)($sp)
        lw      $7, 24 + TF_REG(7)($sp)
        lw      $8, 24 + TF_REG(8)($sp)
        lw      $9, 24 + TF_REG(9)($sp)
        lw      $10, 24 + TF_REG(10)($sp)
        lw      $11, 24 + TF_REG(11)($sp)
        lw      $12, 24 + TF_REG(12)($sp)
        lw      $13, 24 + TF_REG(13)($sp)
        lw      $14, 24 + TF_REG(14)($sp)
        lw      $15, 24 + TF_REG(15)($sp)
        lw      $16, 24 + TF_REG(16)($sp)
        lw      $17, 24 + TF_REG(17)($sp)
        lw      $18, 24 + TF_REG(18)($sp)
        lw      $19, 24 + TF_REG(19)($sp)
        lw      $20, 24 + TF_REG(20)($sp)
        lw      $21, 24 + TF_REG(21)($sp)
        lw      $22, 24 + TF_REG(22)($sp)
        lw      $23, 24 + TF_REG(23)($sp)
        lw      $24, 24 + TF_REG(24)($sp)
        lw      $25, 24 + TF_REG(25)($sp)
        lw      $28, 24 + TF_REG(28)($sp)
        lw      $30, 24 + TF_REG(30)($sp)
        lw      $31, 24 + TF_REG(31)($sp)
        lw      $k0, 24 + TF_EPC($sp)
        lw      $sp, 24 + TF_REG(29)($sp)
        jr      $k0
        rfe
        .end    exc_save

/* void enter_user(struct trapframe *tf): the first return to user mode. tf
 * must be the frame at the top of the kernel stack. */
        .globl  enter_user
        .ent    enter_user
enter_user:
        j       exc_restore
        addiu   $sp, $a0, -24
        .end    enter_user

        .ent    exc_kernel
exc_kernel:
        la      $sp, kstack + KSTACK_SIZE - 24  /* the kernel's stack is suspect */
        mfc0    $a0, C0_CAUSE
        mfc0    $a1, C0_EPC
        mfc0    $a2, C0_BADVADDR
        jal     kernel_fault            /* never returns */
        nop
        .end    exc_kernel

/* ---- TLB primitives (C-callable) ------------------------------------------ */

/* void tlb_flush_all(void): every entry gets a distinct kseg0 VPN (never looked
 * up) and EntryLo = 0. Leaves EntryHi's ASID at 0. */
        .globl  tlb_flush_all
        .ent    tlb_flush_all
tlb_flush_all:
        mtc0    $zero, C0_ENTRYLO
        li      $t0, 0                  /* index << 8 */
        li      $t1, 0x80000000         /* VPN */
        li      $t2, 64 << 8
1:      mtc0    $t0, C0_INDEX
        mtc0    $t1, C0_ENTRYHI
        nop
        tlbwi
        addiu   $t0, $t0, 1 << 8
        bne     $t0, $t2, 1b
        addiu   $t1, $t1, NBPG
        jr      $ra
        mtc0    $zero, C0_ENTRYHI
        .end    tlb_flush_all

/* int tlb_flush_addr(uint32_t entryhi): if a TLB entry matches entryhi (VPN |
 * ASID), make it unmatchable (a kseg0 VPN unique to its index, EntryLo 0).
 * EntryHi is restored. Returns 1 if an entry was invalidated. (BSD's
 * MachTLBFlushAddr.) */
        .globl  tlb_flush_addr
        .ent    tlb_flush_addr
tlb_flush_addr:
        mfc0    $t0, C0_ENTRYHI         /* keep the current ASID */
        mtc0    $a0, C0_ENTRYHI
        nop
        tlbp
        nop
        mfc0    $t1, C0_INDEX
        li      $v0, 0
        bltz    $t1, 1f                 /* P set: no entry matches */
        sll     $t2, $t1, 4             /* delay slot: (index << 8) << 4 = index * NBPG */
        lui     $t3, 0x8000
        or      $t2, $t2, $t3
        mtc0    $t2, C0_ENTRYHI
        mtc0    $zero, C0_ENTRYLO
        nop
        tlbwi
        li      $v0, 1
1:      jr      $ra
        mtc0    $t0, C0_ENTRYHI
        .end    tlb_flush_addr

/* void set_context(uint32_t ptebase) */
        .globl  set_context
        .ent    set_context
set_context:
        jr      $ra
        mtc0    $a0, C0_CONTEXT
        .end    set_context

/* void set_entryhi(uint32_t entryhi): the current ASID */
        .globl  set_entryhi
        .ent    set_entryhi
set_entryhi:
        jr      $ra
        mtc0    $a0, C0_ENTRYHI
        .end    set_entryhi

/* int splhigh(void): block interrupts (clear IEc); returns the old Status.
 * void splx(int s): restore the IEc of s. (4.3BSD's spl calls; on MIPS they
 * read and write Status.) */
        .globl  splhigh
        .ent    splhigh
splhigh:
        mfc0    $v0, C0_STATUS
        li      $t0, ~1
        and     $t0, $t0, $v0
        mtc0    $t0, C0_STATUS
        jr      $ra
        nop
        .end    splhigh

        .globl  splx
        .ent    splx
splx:
        mfc0    $t0, C0_STATUS
        li      $t1, ~1
        and     $t0, $t0, $t1
        andi    $a0, $a0, 1
        or      $t0, $t0, $a0
        mtc0    $t0, C0_STATUS
        jr      $ra
        nop
        .end    splx

/* ---- data ------------------------------------------------------------------ */
        .data
        .align  2
        .globl  ram_top
ram_top:
        .word   0
        .bss
        .align  3
        .globl  kstack
kstack:
        .space  KSTACK_SIZE
        .align  2
nested_k0:
        .space  4
        .globl  cnt_nested_tlb_misses
cnt_nested_tlb_misses:
        .space  4
        .globl  cnt_ktlb_misses
cnt_ktlb_misses:
        .space  4
