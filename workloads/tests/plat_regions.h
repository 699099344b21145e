/* Shape of plat_regions.S, shared with tests/sim/platform_test.cpp. */
#ifndef PLAT_REGIONS_H
#define PLAT_REGIONS_H
#define PLAT_REGION 3         /* the measured region used */
#define PLAT_REGION_PAIRS 5   /* begin/end pairs executed */
#define PLAT_REGION_ITERS 100 /* iterations of the 3-instruction loop inside each */
#endif
