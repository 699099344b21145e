/*
 * sched_spin(seed, iterations, with_break) for sched_test.c: fills every
 * register it may (at, v1, a0..a3, t0..t7, s0..s7, gp, fp, ra, HI, LO) with a
 * value derived from seed, then loops `iterations` times, each time (after a
 * `break`, with_break != 0) folding all of them and sp into one word and
 * comparing it with the fold computed before the loop. The timer preempts the
 * loop (and, with the break, the kernel's forwarding and the return stub)
 * many times: any register the kernel does not give back as it was changes the
 * fold. Returns 0, or the number of iterations left when the fold first differed.
 */
        .set    noat
        .text
        .globl  sched_spin
        .ent    sched_spin
#define FRAME 56
#define EXP 44      /* the fold before the loop */
#define FLAG 48     /* with_break */
sched_spin:
        addiu   $29, $29, -FRAME
        .irp    r, 16,17,18,19,20,21,22,23,28,30,31
        sw      $\r, (\r - 16) * 4($29)
        .endr
        sw      $6, FLAG($29)
        move    $24, $5                         /* iterations */
        .irp    r, 1,3,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,28,30,31
        li      $\r, \r * 0x01010101
        xor     $\r, $\r, $4
        .endr
        nor     $2, $4, $0
        mthi    $2
        sll     $2, $4, 1
        mtlo    $2
        .macro  FOLD
        mfhi    $2
        mflo    $25
        xor     $2, $2, $25
        .irp    r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,28,29,30,31
        xor     $2, $2, $\r
        .endr
        .endm
        FOLD
        sw      $2, EXP($29)
1:      lw      $25, FLAG($29)
        beqz    $25, 2f
        andi    $25, $24, 15                    /* a delay of 0..15 steps: the timer */
        break   5                               /* then stops the loop at any point */
4:      addiu   $25, $25, -1
        bgez    $25, 4b
2:      FOLD
        lw      $25, EXP($29)
        bne     $2, $25, 3f
        addiu   $24, $24, -1
        bnez    $24, 1b
3:      move    $2, $24                         /* 0 when every fold matched */
        .irp    r, 16,17,18,19,20,21,22,23,28,30,31
        lw      $\r, (\r - 16) * 4($29)
        .endr
        addiu   $29, $29, FRAME
        jr      $31
        .end    sched_spin
