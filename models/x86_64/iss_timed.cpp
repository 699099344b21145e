// The ISS's CPU over the memories with the Pentium timing model attached (pentium_timing.hpp's
// TimedMemory): iss.cpp's definitions, instantiated here rather than there so that adding them
// leaves the code GCC generates for the untimed CPUs as it was (its inlining budget is per
// translation unit).
#define VMSIM_ISS_TIMED
#include "models/x86_64/iss.cpp"  // NOLINT(bugprone-suspicious-include): the definitions, on purpose
