/*
 * Time: a monotonic clock in nanoseconds since boot, from the TSC
 * calibrated once at boot (against the PIT, or the hypervisor's clock).
 */
#ifndef TORITO_TIME_H
#define TORITO_TIME_H

#include <stdint.h>

/* Nanoseconds since boot. Any context. */
uint64_t time_now_ns(void);

/* TSC ticks per second as calibrated. */
uint64_t time_tsc_hz(void);

/* Busy-waits at least us microseconds. Any context; prefer sleeping. */
void time_delay_us(uint32_t us);

#endif /* TORITO_TIME_H */
