/*
 * plat_buserror: accesses physical addresses with nothing behind them and
 * reports the bus errors through its own C exception handler, for
 * tests/sim/platform_test.cpp. Needs the default 24 MiB of RAM. One line per
 * access:
 *   buserror: KIND ADDR: exceptions=N code=C epc=0xE insn=0xI bd=B value=0xV
 * N = exceptions the access raised, C/E/B = ExcCode, EPC and Cause.BD of the
 * last one, I = the address of the accessing instruction (for a fetch: ADDR),
 * V = the value read (0xdbe / 0x1be when the handler skipped the access);
 * then "buserror: done" and exit 0. Anything else exits 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim.h>

uint32_t be_load(uintptr_t addr);
void be_store(uintptr_t addr, uint32_t value);
uint32_t be_call(uintptr_t addr);
extern const char be_load_insn[], be_store_insn[], be_call_return[];

static struct {
    unsigned count, code, bd;
    uint32_t epc;
} seen;

void vmsim_exception(struct vmsim_trapframe *tf)
{
    unsigned code = VMSIM_CAUSE_EXCCODE(tf->cause);
    seen.count++;
    seen.code = code;
    seen.bd = (tf->cause & VMSIM_CAUSE_BD) != 0;
    seen.epc = tf->epc;
    if (code == VMSIM_EXC_DBE && seen.count == 1) {
        tf->regs[2] = 0xdbe; /* skip the access; a load "returns" 0xdbe */
        tf->epc += 4;
        return;
    }
    if (code == VMSIM_EXC_IBE && seen.count == 1) {
        tf->regs[2] = 0x1be; /* resume at the caller of the bad jump */
        tf->epc = tf->regs[31];
        return;
    }
    printf("buserror: unexpected ExcCode=%u EPC=0x%08x count=%u\n", code, (unsigned)tf->epc,
           seen.count);
    vmsim_exit(3);
}

static void report(const char *kind, uintptr_t addr, const void *insn, uint32_t value)
{
    printf("buserror: %s 0x%08x: exceptions=%u code=%u epc=0x%08x insn=0x%08x bd=%u value=0x%x\n",
           kind, (unsigned)addr, seen.count, seen.code, (unsigned)seen.epc,
           (unsigned)(uintptr_t)insn, seen.bd, (unsigned)value);
}

static void load(const char *kind, uintptr_t addr)
{
    seen.count = 0;
    seen.code = seen.epc = seen.bd = 0;
    uint32_t v = be_load(addr);
    report(kind, addr, be_load_insn, v);
}

int main(void)
{
    load("load-kseg1", VMSIM_KSEG1(0x1fd00000u));
    load("load-kseg0", VMSIM_KSEG0(0x1fd00000u));
    load("load-last-ram-word", VMSIM_KSEG1(VMSIM_RAM_DEFAULT_SIZE - 4));
    load("load-past-ram", VMSIM_KSEG1(VMSIM_RAM_DEFAULT_SIZE));

    seen.count = 0;
    be_store(VMSIM_KSEG1(0x1fd00000u), 0x12345678u);
    report("store-kseg1", VMSIM_KSEG1(0x1fd00000u), be_store_insn, 0);

    seen.count = 0;
    uint32_t v = be_call(VMSIM_KSEG1(0x1fd00000u));
    report("fetch-kseg1", VMSIM_KSEG1(0x1fd00000u), (const void *)VMSIM_KSEG1(0x1fd00000u), v);

    printf("buserror: done\n");
    return 0;
}
