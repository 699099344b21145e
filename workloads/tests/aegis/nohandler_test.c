/* aegis test application: a fault nobody handles. No handlers are registered,
 * so the kernel must end the run with ExcCode, EPC and BadVAddr (exit 121). */
#include <stdio.h>
#include <aegis/sys.h>

int main(void)
{
    printf("nohandler: stlb_entries=%d\n", aegis_info(AEGIS_INFO_STLB_ENTRIES));
    volatile unsigned *kernel = (volatile unsigned *)0x80000000u;
    printf("nohandler: read %u\n", *kernel); /* AdEL from user mode */
    return 0;
}
