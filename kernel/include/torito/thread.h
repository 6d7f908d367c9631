/*
 * Threads: cooperative, in ring 0, each bound to one CPU for life. A thread
 * runs until it blocks, yields, sleeps or exits; nothing preempts it. Each
 * CPU has its own run queue and timer queue and never takes a lock: work
 * for another CPU (creating a thread there, waking one of its threads)
 * travels as a message to that CPU's mailbox.
 *
 * Threads run with interrupts disabled. Interrupts are taken whenever a
 * thread enters the scheduler (yield, block, sleep) and while the CPU
 * idles, so handlers never race with thread code on their CPU.
 *
 * Unless noted, calls are for thread context only (not interrupt handlers).
 */
#ifndef TORITO_THREAD_H
#define TORITO_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

struct thread;

typedef void *(*thread_fn)(void *arg);

/* The default stack size; a guard page below each stack faults on overflow. */
#define THREAD_STACK_DEFAULT (32u * 1024)

/*
 * Creates a thread running fn(arg) on cpu (see cpu.h). On the calling CPU
 * the thread is ready on return; on another CPU the request is sent to that
 * CPU, which allocates the stack from its own memory and starts it (if that
 * fails, the thread ends at once with the result (void *)-ENOMEM).
 * Returns the thread, to pass to thread_join, or NULL if cpu is not online
 * or memory is exhausted. Does not block.
 */
struct thread *thread_create(unsigned int cpu, thread_fn fn, void *arg);

/* As thread_create with a stack of stack_size bytes (rounded up to pages). */
struct thread *thread_create_ex(unsigned int cpu, thread_fn fn, void *arg,
				size_t stack_size);

/*
 * Waits until t has ended and returns its result (fn's return value or the
 * value passed to thread_exit); frees t. Each thread is joined at most once,
 * from any CPU, or detached.
 */
void *thread_join(struct thread *t);

/* Lets t's resources go when it ends, without a join. */
void thread_detach(struct thread *t);

/* Ends the calling thread with result. */
__noreturn void thread_exit(void *result);

/* Runs other ready threads of this CPU, then returns. */
void thread_yield(void);

/* Sleeps at least ms milliseconds / us microseconds. */
void thread_sleep_ms(uint64_t ms);
void thread_sleep_us(uint64_t us);

/*
 * Sleeps until time_now_ns() >= deadline_ns (returns at once if it has
 * passed). Threads of one CPU wake in deadline order. For periodic work
 * without drift: deadline += period; thread_sleep_until(deadline).
 */
void thread_sleep_until(uint64_t deadline_ns);

/*
 * Blocks the calling thread until thread_wake(it) or until time_now_ns()
 * reaches deadline_ns (0: no deadline). A wake that arrived while the
 * thread was not waiting is remembered: the next wait returns at once.
 * Returns 0 when woken, -ETIMEDOUT when the deadline passed first.
 */
int thread_wait(uint64_t deadline_ns);

/*
 * Ends t's thread_wait (or makes its next one return at once). Any CPU,
 * and interrupt handlers on t's CPU. Never blocks.
 */
void thread_wake(struct thread *t);

/* thread_wait with no deadline / thread_wake, by their Toro names. */
void thread_suspend(void);
void thread_resume(struct thread *t);

/* The calling thread. */
struct thread *thread_self(void);

/* The CPU a thread runs on. */
unsigned int thread_cpu(const struct thread *t);

#endif /* TORITO_THREAD_H */
