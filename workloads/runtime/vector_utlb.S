/*
 * Default UTLB-refill vector (0x80000000): the common exception entry with
 * k1 = VMSIM_VECTOR_UTLB. A program replaces it by defining the global symbol
 * vmsim_utlb_vector in section .vector.utlb itself; this archive member is
 * then not linked (see workloads/README.md).
 */
        .section .vector.utlb, "ax", @progbits
        .set    noreorder
        .globl  vmsim_utlb_vector
        .ent    vmsim_utlb_vector
vmsim_utlb_vector:
        j       __vmsim_exception_entry
        li      $27, 0                  /* delay slot: k1 = VMSIM_VECTOR_UTLB */
        .end    vmsim_utlb_vector
