/*
 * CPUs: each started CPU runs its own scheduler over its own memory. CPU 0
 * is the boot CPU; the application's torito_main runs there.
 */
#ifndef TORITO_CPU_H
#define TORITO_CPU_H

/* The number of CPUs running (at most CPU_MAX). */
unsigned int cpu_count(void);

/* The calling CPU's index, 0 .. cpu_count() - 1. Any context. */
unsigned int cpu_id(void);

#define CPU_MAX 64

#endif /* TORITO_CPU_H */
