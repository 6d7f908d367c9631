/*
 * Scheduler internals shared by kernel/ (SMP bring-up, idle, mailboxes).
 * The per-CPU record lives at GS base; fields are grouped by who may touch
 * them.
 */
#ifndef TORITO_KERNEL_SCHED_SCHED_H
#define TORITO_KERNEL_SCHED_SCHED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <torito/cpu.h>
#include <torito/thread.h>

#include "kernel/sched/mpsc.h"

enum thread_state {
	THREAD_READY = 1,
	THREAD_RUNNING,
	THREAD_BLOCKED,	 /* until sched_wake, or wake_tsc if nonzero */
	THREAD_SLEEPING, /* until its wake_tsc */
	THREAD_DEAD,
};

struct thread {
	/* Owned by the CPU in ->cpu; no lock. */
	uint64_t rsp; /* saved stack pointer; first, for switch.asm */
	struct thread *next, *prev; /* run queue or sleep list */
	struct cpu *cpu;
	enum thread_state state;
	bool wake_pending; /* a wake arrived while not blocked */
	bool woken;	   /* the last block ended by a wake, not a timeout */
	uint64_t wake_tsc;
	thread_fn fn;
	void *arg;
	void *result;
	void *stack; /* lowest address, the guard page; NULL: not ours */
	size_t stack_size;

	struct thread *wait_next; /* in a wait list (app mailbox) */
	bool waiting;

	/* Shared with a joiner on any CPU: atomics only. */
	struct thread *_Atomic joiner;
	atomic_uint fate; /* THREAD_ENDED | THREAD_DETACHED */
};

#define THREAD_ENDED 1u	   /* result final, stack no longer in use */
#define THREAD_DETACHED 2u /* whoever sets the second bit frees it */

struct thread_list {
	struct thread *first, *last;
};

/* Kernel message types carried by the per-CPU mailbox. */
enum msg_type {
	MSG_START = 1, /* start thread t (created by another CPU) */
	MSG_WAKE,      /* sched_wake(t) */
	MSG_APP,       /* application payload, see torito/mailbox.h */
};

struct msg {
	struct mpsc_node node; /* first */
	enum msg_type type;
	unsigned int from;
	struct thread *t;
	uint32_t len;
	uint8_t data[64];
};

struct cpu {
	struct cpu *self; /* GS:0 */
	unsigned int id;
	uint32_t apic_id;

	/* Owned by this CPU; no lock (interrupt handlers run only at
	 * scheduler entry and in idle, never inside thread code). */
	struct thread *current;
	struct thread *idle;	 /* runs when nothing else is ready */
	struct thread *ended;	 /* switched away from for the last time */
	struct thread_list runq;
	struct thread_list sleepers; /* sorted by wake_tsc */
	struct thread *app_waiters; /* by wait_next */
	struct msg *app_first, *app_last; /* received MSG_APP messages */
	uint64_t switches;

	/* Any CPU pushes; this CPU pops. */
	struct mpsc_queue mailbox;
	atomic_bool halted; /* in idle, about to halt or halted */
};

extern struct cpu *cpus[CPU_MAX];

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* Sets up CPU id's record and GS base; called on that CPU. */
void sched_cpu_init(unsigned int id, uint32_t apic_id);

/* Makes the calling context the CPU's first thread (CPU 0: main). */
void sched_adopt_boot_thread(void);

/* Gives the calling CPU an idle thread with its own stack (CPU 0; APs
 * use their boot context). */
void sched_create_idle(void);

/* The idle loop of a CPU; never returns. */
__noreturn void sched_idle_loop(void);

/* Blocks the calling thread until sched_wake(t) (or a pending wake). */
void sched_block(void);

/* Wakes t (any CPU; interrupt handlers on t's CPU). */
void sched_wake(struct thread *t);

/* Queues m on cpu's mailbox and kicks cpu if it is halted. */
void sched_post(unsigned int cpu, struct msg *m);

/* Switch count of the calling CPU (for benchmarks). */
uint64_t sched_switches(void);

/* Arch: saves callee-saved registers and rsp, loads next. switch.asm */
void switch_context(uint64_t *save_rsp, uint64_t next_rsp);
void thread_start(void);

/* Arch: IPI the CPU so it leaves hlt; halt until interrupt or deadline. */
void arch_kick_cpu(uint32_t apic_id);
void arch_idle_until_tsc(uint64_t deadline_tsc);

#endif /* TORITO_KERNEL_SCHED_SCHED_H */
