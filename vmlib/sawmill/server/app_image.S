/* The application's ELF file, embedded in the root task (page aligned: the
 * loader reads its headers in place). SAWMILL_APP_ELF is its path. */
    .section .rodata
    .balign 4096
    .globl sm_app_elf
sm_app_elf:
    .incbin SAWMILL_APP_ELF

    .section .note.GNU-stack, "", @progbits
