/* Kernel console on COM1 (16550 at 0x3F8, i386-platform.md) and the machine exit port. */
#include <stdarg.h>
#include "kernel.h"

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

static void put_unsigned(uint32_t v, unsigned base, int width, char pad)
{
    char buf[12];
    int n = 0;
    do {
        unsigned d = v % base;
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    while (n < width--) kputc(pad);
    while (n > 0) kputc(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt != 0; fmt++) {
        if (*fmt != '%') {
            kputc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        switch (*fmt) {
        case 'd': {
            int32_t v = va_arg(ap, int32_t);
            if (v < 0) {
                kputc('-');
                put_unsigned((uint32_t)-v, 10, width, pad);
            } else {
                put_unsigned((uint32_t)v, 10, width, pad);
            }
            break;
        }
        case 'u': put_unsigned(va_arg(ap, uint32_t), 10, width, pad); break;
        case 'x': put_unsigned(va_arg(ap, uint32_t), 16, width, pad); break;
        case 'c': kputc((char)va_arg(ap, int)); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s != 0) kputc(*s++);
            break;
        }
        case '%': kputc('%'); break;
        default: kputc('?'); break;
        }
    }
}

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
