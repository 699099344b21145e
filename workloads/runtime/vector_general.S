/*
 * Default general exception vector (0x80000080): the common exception entry
 * with k1 = VMSIM_VECTOR_GENERAL. Replace it by defining the global symbol
 * vmsim_general_vector in section .vector.general (see workloads/README.md).
 */
        .section .vector.general, "ax", @progbits
        .set    noreorder
        .globl  vmsim_general_vector
        .ent    vmsim_general_vector
vmsim_general_vector:
        j       __vmsim_exception_entry
        li      $27, 1                  /* delay slot: k1 = VMSIM_VECTOR_GENERAL */
        .end    vmsim_general_vector
