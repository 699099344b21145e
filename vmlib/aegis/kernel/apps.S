/* The application image(s) the kernel loads at boot: AEGIS_APP_ELF, a path. */
        .section .rodata.aegis_app, "a", @progbits
        .balign 4
        .globl  aegis_app_start
        .globl  aegis_app_end
aegis_app_start:
        .incbin AEGIS_APP_ELF
aegis_app_end:
