/*
 * plat_tlbwr: enters one kuseg page into the TLB with tlbwr (the entry Random
 * picks), finds it again with tlbp and returns the index it found (8..63) as the
 * exit code: which entry tlbwr filled, for tests/sim/platform_test.cpp
 * (cpu.random_seed moves it).
 */
        .text
        .set    noreorder
        .globl  main
        .ent    main
main:
        li      $8, 0x00400000          /* EntryHi: VPN 0x400, ASID 0 */
        mtc0    $8, $10
        mtc0    $0, $2                  /* EntryLo: invalid, unused */
        nop
        tlbwr
        tlbp
        nop
        mfc0    $2, $0                  /* Index: P clear, bits 13:8 */
        nop
        jr      $31
        srl     $2, $2, 8               /* delay slot: the entry number */
        .end    main
