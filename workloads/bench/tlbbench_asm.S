/*
 * tlbbench: the UTLB-refill handler (placed at the UTLB vector, 0x80000000,
 * replacing the runtime's default) and CP0 helpers.
 *
 * The refill handler is the classic one for a linear page table addressed by
 * the Context register (Ultrix/BSD style, 9 instructions): Context holds
 * PTEBase | VA[30:12] << 2, i.e. the kseg0 address of the PTE, and the PTE is
 * in EntryLo format. EntryHi already holds the missing VPN and current ASID.
 */
        .set    noreorder
        .set    noat

        .section .vector.utlb, "ax", @progbits
        .globl  vmsim_utlb_vector
        .ent    vmsim_utlb_vector
vmsim_utlb_vector:
        mfc0    $27, $4                 /* k1 = Context = &PTE */
        mfc0    $26, $14                /* k0 = EPC */
        lw      $27, 0($27)             /* k1 = PTE (mfc0 k1 delay covered) */
        nop                             /* load delay */
        mtc0    $27, $2                 /* EntryLo = PTE */
        nop                             /* CP0 hazard before tlbwr */
        tlbwr
        jr      $26
        rfe                             /* delay slot */
        .end    vmsim_utlb_vector

        .text
/* void tlb_invalidate_all(void): every entry gets a distinct kseg0 VPN
 * (never looked up: kseg0 is unmapped) and EntryLo = 0. EntryHi ends as 0. */
        .globl  tlb_invalidate_all
        .ent    tlb_invalidate_all
tlb_invalidate_all:
        mtc0    $0, $2                  /* EntryLo = 0 */
        li      $8, 0                   /* t0 = index << 8 */
        li      $9, 0x80000000          /* t1 = VPN */
        li      $10, 64 << 8
1:      mtc0    $8, $0                  /* Index */
        mtc0    $9, $10                 /* EntryHi */
        nop
        tlbwi
        addiu   $8, $8, 1 << 8
        bne     $8, $10, 1b
        addiu   $9, $9, 0x1000          /* delay slot */
        mtc0    $0, $10                 /* EntryHi = 0: ASID 0 */
        jr      $ra
        nop
        .end    tlb_invalidate_all

/* void cp0_set_context(uint32_t ptebase) */
        .globl  cp0_set_context
        .ent    cp0_set_context
cp0_set_context:
        mtc0    $4, $4
        jr      $ra
        nop
        .end    cp0_set_context
