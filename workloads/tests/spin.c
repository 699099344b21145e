/*
 * spin: prints one line, then loops forever. For testing the simulator's
 * run limits (e.g. --max-instructions); never exits by itself.
 */
#include <stdio.h>

int main(void)
{
    printf("spin: looping forever\n");
    for (;;)
        __asm__ volatile("" ::: "memory");
}
