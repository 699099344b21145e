/*
 * Multiboot v1 entry (i386-platform.md: entered in protected mode, paging off, EAX = 0x2BADB002,
 * EBX = multiboot_info). Runs at its physical (= link) address in .boot, builds the kernel window
 * (all of KERNEL_MAX_RAM at KERNEL_BASE + pa, 4 KB pages) plus a temporary identity mapping of
 * the same range, turns paging on and jumps to the kernel at its high address.
 */
#define KERNEL_BASE 0xC0000000
#define KERNEL_MAX_RAM (64 << 20)
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, want mem_lower/mem_upper */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .section .boot.text, "ax"
    .globl _start
_start:
    cli
    movl %eax, %esi                 /* multiboot magic */
    movl %ebx, %edi                 /* multiboot_info (physical) */
    cld
    /* Clear the kernel's .bss (linked high, written here through its physical address) and the
     * user image's .bss: the loader zeroes them too, but not every loader is trusted to. */
    xorl %eax, %eax
    movl $(__kbss_start - KERNEL_BASE), %ebx
    movl $(__kbss_end - KERNEL_BASE), %ecx
1:  cmpl %ecx, %ebx
    jae 2f
    movl %eax, (%ebx)
    addl $4, %ebx
    jmp 1b
2:  movl $__ubss_start, %ebx
    movl $__ubss_end, %ecx
3:  cmpl %ecx, %ebx
    jae 4f
    movl %eax, (%ebx)
    addl $4, %ebx
    jmp 3b
4:  /* Kernel page tables: kernel_pt[i] = (i << 12) | P | W for every frame of KERNEL_MAX_RAM. */
    movl $(kernel_pt - KERNEL_BASE), %ebx
    xorl %ecx, %ecx
5:  movl %ecx, %eax
    shll $12, %eax
    orl $3, %eax
    movl %eax, (%ebx,%ecx,4)
    incl %ecx
    cmpl $(KERNEL_MAX_RAM >> 12), %ecx
    jb 5b
    /* Page directory: the same tables at 0 (temporary identity) and at KERNEL_BASE. */
    movl $(kernel_pdir_page - KERNEL_BASE), %edx
    xorl %ecx, %ecx
6:  movl %ecx, %eax
    shll $12, %eax
    addl %ebx, %eax
    orl $3, %eax
    movl %eax, (%edx,%ecx,4)
    movl %eax, ((KERNEL_BASE >> 22) * 4)(%edx,%ecx,4)
    incl %ecx
    cmpl $(KERNEL_MAX_RAM >> 22), %ecx
    jb 6b
    movl %edx, %cr3
    movl %cr0, %eax
    orl $0x80010000, %eax           /* PG, and WP so that the kernel honours read-only too */
    movl %eax, %cr0
    movl $high_entry, %eax
    jmp *%eax

    .text
high_entry:
    movl $(boot_stack + 4096), %esp
    pushl %edi
    pushl %esi
    call kmain
7:  hlt
    jmp 7b

    .bss
    .align 4096
    .globl kernel_pdir_page, kernel_pt
kernel_pdir_page:
    .space 4096
kernel_pt:
    .space (KERNEL_MAX_RAM >> 12) * 4
boot_stack:
    .space 4096

    .section .note.GNU-stack, "", @progbits
