/* Assembly helpers of plat_buserror.c: accesses with a labelled instruction. */
        .text
        .set    noreorder

/* uint32_t be_load(uintptr_t addr): lw from addr. */
        .globl  be_load
        .globl  be_load_insn
        .ent    be_load
be_load:
be_load_insn:
        lw      $2, 0($4)
        jr      $31
        nop
        .end    be_load

/* void be_store(uintptr_t addr, uint32_t value): sw to addr. */
        .globl  be_store
        .globl  be_store_insn
        .ent    be_store
be_store:
be_store_insn:
        sw      $5, 0($4)
        jr      $31
        nop
        .end    be_store

/* uint32_t be_call(uintptr_t addr): jumps to addr (v0 = 0 unless something sets it). */
        .globl  be_call
        .globl  be_call_return
        .ent    be_call
be_call:
        addiu   $29, $29, -24
        sw      $31, 20($29)
        move    $2, $0
        jalr    $4
        nop
be_call_return:
        lw      $31, 20($29)
        addiu   $29, $29, 24            /* load delay slot */
        jr      $31
        nop
        .end    be_call
