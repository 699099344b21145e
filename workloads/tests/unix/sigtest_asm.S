/*
 * sigtest: accesses at known instructions, for checking what the unix kernel
 * saves in the sigcontext and that sigreturn resumes exactly there.
 */
        .set    noreorder
        .set    noat
        .text

#define PAT(n) (0x5a5a0000 + (n) * 0x0101)

/* void sig_regs_probe(volatile uint32_t *addr, uint32_t out[34]): every
 * register except a0, a1, sp, k0, k1 gets PAT(n), HI = PAT(3), LO = PAT(6);
 * then a load from addr (which may fault), then all registers, HI and LO
 * are stored into out[] (out[32] = HI, out[33] = LO; v0 holds the value read). */
        .globl  sig_regs_probe
        .ent    sig_regs_probe
sig_regs_probe:
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
        li      $3, PAT(3)
        li      $6, PAT(6)
        mthi    $3
        mtlo    $6
        li      $1, PAT(1)
        li      $2, PAT(2)
        li      $7, PAT(7)
        li      $8, PAT(8)
        li      $9, PAT(9)
        li      $10, PAT(10)
        li      $11, PAT(11)
        li      $12, PAT(12)
        li      $13, PAT(13)
        li      $14, PAT(14)
        li      $15, PAT(15)
        li      $16, PAT(16)
        li      $17, PAT(17)
        li      $18, PAT(18)
        li      $19, PAT(19)
        li      $20, PAT(20)
        li      $21, PAT(21)
        li      $22, PAT(22)
        li      $23, PAT(23)
        li      $24, PAT(24)
        li      $25, PAT(25)
        li      $28, PAT(28)
        li      $30, PAT(30)
        li      $31, PAT(31)
        .globl  sig_probe_insn
sig_probe_insn:
        lw      $2, 0($4)
        nop
        sw      $0, 0($5)
        sw      $1, 4($5)
        sw      $2, 8($5)
        sw      $3, 12($5)
        sw      $4, 16($5)
        sw      $5, 20($5)
        sw      $6, 24($5)
        sw      $7, 28($5)
        sw      $8, 32($5)
        sw      $9, 36($5)
        sw      $10, 40($5)
        sw      $11, 44($5)
        sw      $12, 48($5)
        sw      $13, 52($5)
        sw      $14, 56($5)
        sw      $15, 60($5)
        sw      $16, 64($5)
        sw      $17, 68($5)
        sw      $18, 72($5)
        sw      $19, 76($5)
        sw      $20, 80($5)
        sw      $21, 84($5)
        sw      $22, 88($5)
        sw      $23, 92($5)
        sw      $24, 96($5)
        sw      $25, 100($5)
        sw      $0, 104($5)
        sw      $0, 108($5)
        sw      $28, 112($5)
        sw      $29, 116($5)
        sw      $30, 120($5)
        sw      $31, 124($5)
        mfhi    $8
        mflo    $9
        sw      $8, 128($5)
        sw      $9, 132($5)
        lw      $31, 40($sp)            /* first: the load delay before jr */
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
        jr      $31
        addiu   $sp, $sp, 48
        .end    sig_regs_probe

/* uint32_t sig_fault_load(volatile uint32_t *addr): the load is at sig_fault_insn. */
        .globl  sig_fault_load
        .ent    sig_fault_load
sig_fault_load:
        .globl  sig_fault_insn
sig_fault_insn:
        lw      $2, 0($4)
        jr      $31
        nop
        .end    sig_fault_load

/* uint32_t sig_delay_slot_load(volatile uint32_t *addr): the load sits in the
 * delay slot of the branch at sig_delay_branch. */
        .globl  sig_delay_slot_load
        .ent    sig_delay_slot_load
sig_delay_slot_load:
        .globl  sig_delay_branch
sig_delay_branch:
        b       1f
        lw      $2, 0($4)
1:      jr      $31
        nop
        .end    sig_delay_slot_load
