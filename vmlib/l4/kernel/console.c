/* Kernel console on COM1 (16550 at 0x3F8, i386-platform.md) and the machine exit port. */
#include <stdarg.h>
#include "kernel.h"
#include "../lib/format.h"

#define COM1 0x3F8u
#define EXIT_PORT 0xF4u

void console_init(void)
{
    outb(COM1 + 1, 0x00); /* IER: no interrupts (the kernel polls LSR) */
    outb(COM1 + 3, 0x80); /* LCR: DLAB, divisor 1 = 115200 baud */
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7); /* FCR: FIFOs on */
}

void kputc(char c)
{
    while ((inb(COM1 + 5) & 0x20) == 0) { /* LSR.THRE */
    }
    outb(COM1, (uint8_t)c);
}

static void put_console(void *ctx, char c)
{
    (void)ctx;
    kputc(c);
}

static void vprint(const char *fmt, va_list ap) { l4_vformat(put_console, 0, fmt, ap); }

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

void machine_exit(uint32_t status)
{
    outl(EXIT_PORT, status);
    for (;;) __asm__ __volatile__("cli; hlt");
}

void panic(const char *fmt, ...)
{
    va_list ap;
    kprintf("l4: panic: ");
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    kputc('\n');
    machine_exit(0xDEAD);
}
