// The figures `vmsim reproduce` regenerates, one file each; reproduce.cpp lists them.
#pragma once
#include "sim/experiment/reproduce.hpp"

namespace vmsim::experiment::figures {

// AVM (HotOS 1995) Figure 1: Appel-Li VM primitives, Ultrix 4.2 vs Aegis, DEC2100/DEC3100.
void avm_fig1(const ReproduceOptions& options);

// Rialto (MSR-TR-97-04): refill instructions of its 2-way VTLB and a linear page table,
// beside aegis's STLB organisations and the unix kernel's refill, measured by running them.
void rialto_refill(const ReproduceOptions& options);

// GUPS across page sizes on the x86-64 target: cycles, TLB misses and walks per update on the
// skylake and goldencove presets (4 KB, 2 MB, 1 GB pages) and pentium100 (4 KB, 4 MB).
void gups_pagesize(const ReproduceOptions& options);

// SawMill (ACSAC 2001) Table 1: the Appel-Li VM primitives of the SawMill image on the i386 platform
// (the timed Pentium-100), beside the paper's OSF/1, Mach, SPIN and SawMill, with each cell's cycles by cause.
void sawmill_table1(const ReproduceOptions& options);

}  // namespace vmsim::experiment::figures
