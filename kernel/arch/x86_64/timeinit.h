/* Clock setup and TSC conversions, private to kernel/. See time.c. */
#ifndef TORITO_KERNEL_ARCH_X86_64_TIMEINIT_H
#define TORITO_KERNEL_ARCH_X86_64_TIMEINIT_H

#include <stdint.h>

/* Calibrates the TSC; call once on CPU 0 after INIT_PLATFORM. */
void time_init(void);

/* The TSC value at time 0, and the TSC value at ns nanoseconds. */
uint64_t time_tsc_boot(void);
uint64_t time_ns_to_tsc(uint64_t ns);

#endif /* TORITO_KERNEL_ARCH_X86_64_TIMEINIT_H */
