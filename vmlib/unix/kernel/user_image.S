/* unix kernel stub: the user program, embedded as an ELF file (see main.c).
 * UNIX_USER_ELF is its path, set by add_unix_guest (vmlib/unix/CMakeLists.txt). */
        .section .rodata
        .balign 4
        .globl  user_image
user_image:
        .incbin UNIX_USER_ELF
        .globl  user_image_end
user_image_end:
