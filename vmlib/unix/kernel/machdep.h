/*
 * unix kernel stub: machine constants shared by locore.S and the C kernel.
 */
#ifndef VMSIM_UNIX_MACHDEP_H
#define VMSIM_UNIX_MACHDEP_H

/* CP0 registers */
#define C0_INDEX $0
#define C0_RANDOM $1
#define C0_ENTRYLO $2
#define C0_CONTEXT $4
#define C0_BADVADDR $8
#define C0_ENTRYHI $10
#define C0_STATUS $12
#define C0_CAUSE $13
#define C0_EPC $14

#define SR_KUP 0x08  /* previous mode: 1 = user */
#define SR_IEP 0x04

#define EXC_MOD 1
#define EXC_TLBL 2
#define EXC_TLBS 3
#define EXC_ADEL 4
#define EXC_ADES 5
#define EXC_SYS 8

/* PTEs are in EntryLo format. */
#define PG_FRAME 0xfffff000u
#define PG_N 0x800u
#define PG_M 0x400u  /* "dirty" = write enable */
#define PG_V 0x200u
#define PG_G 0x100u

#define PGSHIFT 12
#define NBPG 4096u
#define PGOFSET (NBPG - 1)
#define ASID_SHIFT 6

/* User page tables live in kseg2: one 2 MB slot per process (a linear table of
 * 512K PTEs covering kuseg), Context.PTEBase = the slot's base. The kseg2 pages
 * of every slot are described by usrptmap[] (EntryLo values, global), as
 * 4.3BSD's Usrptmap described the system pages holding user page tables. */
#define UPT_AREA 0xc0000000u
#define UPT_SLOT_SHIFT 21
#define UPT_SLOTS 8
#define UPT_PAGES (UPT_SLOTS << 9) /* 512 page-table pages per slot */

/* Trap frame: the user registers saved on the kernel stack (offsets in bytes). */
#define TF_REG(n) ((n) * 4)
#define TF_HI 128
#define TF_LO 132
#define TF_EPC 136
#define TF_STATUS 140
#define TF_CAUSE 144
#define TF_BADVADDR 148
#define TF_SIZE 152
#define TF_FRAME (TF_SIZE + 24) /* with the o32 argument area below it, 8-byte aligned */

#define KSTACK_SIZE 8192

#endif /* VMSIM_UNIX_MACHDEP_H */
