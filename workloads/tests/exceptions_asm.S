/* Assembly helpers of the exceptions guest (see exceptions.c). */
        .text
        .set    noreorder

/* int exc_syscall(int a0): executes `syscall`; the handler returns a0 + 1000 in v0. */
        .globl  exc_syscall
        .ent    exc_syscall
exc_syscall:
        syscall
        jr      $ra
        nop
        .end    exc_syscall

/* void exc_break(void): executes `break 5`. */
        .globl  exc_break
        .ent    exc_break
exc_break:
        break   5
        jr      $ra
        nop
        .end    exc_break

/* uint32_t exc_load_word(uintptr_t addr): lw from addr (AdEL when misaligned). */
        .globl  exc_load_word
        .ent    exc_load_word
exc_load_word:
        lw      $v0, 0($a0)
        jr      $ra
        nop
        .end    exc_load_word

/* void exc_tlb_write_random(uint32_t entryhi, uint32_t entrylo) */
        .globl  exc_tlb_write_random
        .ent    exc_tlb_write_random
exc_tlb_write_random:
        mtc0    $a0, $10                /* EntryHi */
        mtc0    $a1, $2                 /* EntryLo */
        nop
        tlbwr
        jr      $ra
        nop
        .end    exc_tlb_write_random

/*
 * int exc_regs_survive(void): fills every general register the exception
 * path must preserve (all but zero, k0, k1, sp and v0, the syscall result)
 * and HI/LO with distinct values, executes `syscall` with a0 = 7, and returns
 * 1 when all of them still hold their values and v0 = 1007, else 0.
 */
        .globl  exc_regs_survive
        .ent    exc_regs_survive
exc_regs_survive:
        addiu   $sp, $sp, -48
        sw      $16, 0($sp)
        sw      $17, 4($sp)
        sw      $18, 8($sp)
        sw      $19, 12($sp)
        sw      $20, 16($sp)
        sw      $21, 20($sp)
        sw      $22, 24($sp)
        sw      $23, 28($sp)
        sw      $28, 32($sp)
        sw      $30, 36($sp)
        sw      $31, 40($sp)
        .set    noat
        li      $2, 0x0badf00d
        mthi    $2
        li      $2, 0x600df00d
        mtlo    $2
        .irp    r, 1,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,30,31
        li      $\r, \r * 0x01010101
        .endr
        li      $4, 7
        syscall
        addiu   $2, $2, -1000           /* v0 must be a0 + 1000 */
        bne     $2, $4, 1f
        nop
        li      $2, 7                   /* a0 unchanged */
        bne     $4, $2, 1f
        nop
        .irp    r, 1,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,30,31
        li      $2, \r * 0x01010101
        bne     $\r, $2, 1f
        nop
        .endr
        mfhi    $2
        li      $3, 0x0badf00d
        bne     $2, $3, 1f
        nop
        mflo    $2
        li      $3, 0x600df00d
        bne     $2, $3, 1f
        nop
        b       2f
        li      $2, 1                   /* delay slot */
1:      move    $2, $0
2:      .set    at
        lw      $31, 40($sp)            /* first: its load delay ends before jr */
        lw      $16, 0($sp)
        lw      $17, 4($sp)
        lw      $18, 8($sp)
        lw      $19, 12($sp)
        lw      $20, 16($sp)
        lw      $21, 20($sp)
        lw      $22, 24($sp)
        lw      $23, 28($sp)
        lw      $28, 32($sp)
        lw      $30, 36($sp)
        jr      $ra
        addiu   $sp, $sp, 48            /* delay slot */
        .end    exc_regs_survive
