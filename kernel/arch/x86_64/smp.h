/* SMP bring-up, private to kernel/. See smp.c. */
#ifndef TORITO_KERNEL_ARCH_X86_64_SMP_H
#define TORITO_KERNEL_ARCH_X86_64_SMP_H

/*
 * Starts every application processor the MADT lists (up to CPU_MAX) and
 * waits for them to reach their idle loops. Call on CPU 0 after the
 * scheduler and timers are set up.
 */
void smp_start(void);

#endif /* TORITO_KERNEL_ARCH_X86_64_SMP_H */
