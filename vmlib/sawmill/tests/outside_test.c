/* A fault outside every region has no dataspace to come from: the region mapper
 * ends the run with one line naming the address (exit status 125). */
#include <stdio.h>

#include "app.h"

int main(void)
{
    vm_init();
    printf("outside_test touching 0x20000000\n");
    return (int)*(volatile uint32_t *)0x20000000u;
}
