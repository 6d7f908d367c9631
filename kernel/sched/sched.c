/*
 * The cooperative scheduler. Each CPU owns a run queue, a sorted sleep list
 * and an idle thread; all three are touched only by that CPU, so nothing
 * here locks. Other CPUs reach a CPU through its mailbox (MSG_START,
 * MSG_WAKE, MSG_APP), which it drains whenever it enters the scheduler.
 *
 * Switching: a thread that blocks, yields, sleeps or exits calls
 * schedule(), which polls (interrupt window, mailbox, expired sleepers) and
 * switches straight to the next ready thread, or to the CPU's idle thread,
 * which halts until an interrupt, an IPI or the nearest sleeper's deadline
 * (one-shot timer; there is no tick). A thread that has exited is finished
 * (its end published to a joiner, or its memory freed if detached) only by
 * whoever runs after it, once nothing uses its stack any more.
 */
#include <stdatomic.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/mailbox.h>
#include <torito/mem.h>
#include <torito/panic.h>
#include <torito/string.h>
#include <torito/thread.h>
#include <torito/time.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/timeinit.h"
#include "kernel/sched/sched.h"

#define PAGE 4096u
#define JOIN_DONE ((struct thread *)1) /* in ->joiner: end fully published */
#define MSR_GS_BASE 0xc0000101

struct cpu *cpus[CPU_MAX];
static atomic_uint ncpus_online;
static struct cpu cpu_records[CPU_MAX];
static struct thread boot_threads[CPU_MAX];

static void list_push(struct thread_list *l, struct thread *t)
{
	t->next = NULL;
	t->prev = l->last;
	if (l->last)
		l->last->next = t;
	else
		l->first = t;
	l->last = t;
}

static void list_remove(struct thread_list *l, struct thread *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		l->first = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		l->last = t->prev;
	t->next = t->prev = NULL;
}

static struct thread *list_pop(struct thread_list *l)
{
	struct thread *t = l->first;

	if (t)
		list_remove(l, t);
	return t;
}

/* Keeps the sleep list sorted by deadline; the earliest sleeper is first. */
static void sleepers_insert(struct cpu *c, struct thread *t)
{
	struct thread *at = c->sleepers.last;

	while (at && at->wake_tsc > t->wake_tsc)
		at = at->prev;
	if (!at) {
		t->prev = NULL;
		t->next = c->sleepers.first;
		if (t->next)
			t->next->prev = t;
		else
			c->sleepers.last = t;
		c->sleepers.first = t;
		return;
	}
	t->prev = at;
	t->next = at->next;
	if (at->next)
		at->next->prev = t;
	else
		c->sleepers.last = t;
	at->next = t;
}

unsigned int cpu_count(void)
{
	return atomic_load(&ncpus_online);
}

unsigned int cpu_id(void)
{
	return this_cpu()->id;
}

uint64_t sched_switches(void)
{
	return this_cpu()->switches;
}

void sched_cpu_init(unsigned int id, uint32_t apic_id)
{
	struct cpu *c = &cpu_records[id];

	c->self = c;
	c->id = id;
	c->apic_id = apic_id;
	mpsc_init(&c->mailbox);
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	cpus[id] = c;
	atomic_fetch_add(&ncpus_online, 1);
}

void sched_adopt_boot_thread(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = &boot_threads[c->id];

	t->cpu = c;
	t->state = THREAD_RUNNING;
	c->current = t;
}

static int start_on_this_cpu(struct thread *t);

/* Makes t ready on its own CPU (the caller is that CPU). */
static void make_ready(struct thread *t)
{
	struct cpu *c = t->cpu;

	if (t->state == THREAD_SLEEPING ||
	    (t->state == THREAD_BLOCKED && t->wake_tsc))
		list_remove(&c->sleepers, t);
	t->state = THREAD_READY;
	list_push(&c->runq, t);
}

static void local_wake(struct thread *t)
{
	if (t->state == THREAD_BLOCKED) {
		make_ready(t);
		t->woken = true;
	} else if (t->state != THREAD_DEAD) {
		t->wake_pending = true;
	}
}

void sched_post(unsigned int cpu, struct msg *m)
{
	struct cpu *c = cpus[cpu];

	mpsc_push(&c->mailbox, &m->node);
	/* Pairs with idle: it sets halted, then checks the mailbox. */
	if (atomic_load(&c->halted))
		arch_kick_cpu(c->apic_id);
}

static struct msg *msg_new(enum msg_type type, struct thread *t)
{
	struct msg *m = mem_alloc(sizeof(*m));

	if (!m)
		return NULL;
	m->type = type;
	m->from = this_cpu()->id;
	m->t = t;
	return m;
}

void sched_wake(struct thread *t)
{
	struct msg *m;

	if (t->cpu == this_cpu()) {
		local_wake(t);
		return;
	}
	/* A wake must not be lost: retry until memory for it exists. */
	while (!(m = msg_new(MSG_WAKE, t)))
		thread_yield();
	sched_post(t->cpu->id, m);
}

/* Frees a thread's memory, restoring its stack's guard page first. */
static void thread_free(struct thread *t)
{
	if (t >= boot_threads && t < boot_threads + CPU_MAX)
		return; /* a CPU's first context: static */
	if (t->stack) {
		/* Re-mapping never needs memory: the page table exists. */
		if (mmu_set_guard(t->stack, false) == 0)
			mem_free(t->stack);
	}
	mem_free(t);
}

/* The last step of a thread's life, run after switching away from it. */
static void finish_ended(struct cpu *c)
{
	struct thread *t = c->ended, *joiner;

	if (!t)
		return;
	c->ended = NULL;
	if (atomic_fetch_or(&t->fate, THREAD_ENDED) & THREAD_DETACHED) {
		thread_free(t);
		return;
	}
	/* After this exchange this CPU never touches t again; the joiner
	 * frees it once it sees JOIN_DONE. */
	joiner = atomic_exchange(&t->joiner, JOIN_DONE);
	if (joiner)
		sched_wake(joiner);
}

static void app_deliver(struct cpu *c, struct msg *m);

static void handle_msg(struct cpu *c, struct msg *m)
{
	switch (m->type) {
	case MSG_START:
		if (start_on_this_cpu(m->t) == 0)
			make_ready(m->t);
		break;
	case MSG_WAKE:
		local_wake(m->t);
		break;
	case MSG_APP:
		app_deliver(c, m);
		return; /* kept until received */
	}
	mem_free(m);
}

/*
 * What a CPU does at every scheduler entry: take pending interrupts (the
 * only place, besides idle, where thread-context CPUs open them), drain the
 * mailbox, and wake sleepers whose time has come.
 */
static void sched_poll(struct cpu *c)
{
	struct mpsc_node *n;
	uint64_t now;

	__asm__ volatile("sti; nop; cli" ::: "memory");
	while (!mpsc_empty(&c->mailbox)) {
		n = mpsc_pop(&c->mailbox);
		if (!n) {
			cpu_relax(); /* a sender is mid-push */
			continue;
		}
		handle_msg(c, (struct msg *)n);
	}
	if (!c->sleepers.first)
		return;
	now = rdtsc();
	while (c->sleepers.first && c->sleepers.first->wake_tsc <= now)
		make_ready(c->sleepers.first);
}

static void switch_to(struct cpu *c, struct thread *next)
{
	struct thread *prev = c->current;

	if (prev->state == THREAD_DEAD)
		c->ended = prev;
	next->state = THREAD_RUNNING;
	c->current = next;
	c->switches++;
	switch_context(&prev->rsp, next->rsp);
	/* Back on prev's stack, possibly much later. */
	finish_ended(this_cpu());
}

/* Picks the next thread; the current one has set its own state. */
static void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *next;

	sched_poll(c);
	next = list_pop(&c->runq);
	if (!next) {
		if (c->current->state == THREAD_RUNNING)
			return; /* a yield with nobody else ready */
		next = c->idle;
	}
	if (next != c->current)
		switch_to(c, next);
	else
		next->state = THREAD_RUNNING;
}

__noreturn void sched_idle_loop(void)
{
	struct cpu *c = this_cpu();
	struct thread *next;

	for (;;) {
		sched_poll(c);
		next = list_pop(&c->runq);
		if (next) {
			c->idle->state = THREAD_READY;
			switch_to(c, next);
			continue;
		}
		atomic_store(&c->halted, true);
		/* Anything posted before halted was set is seen here; anything
		 * after gets an IPI, which sti;hlt cannot miss. */
		if (mpsc_empty(&c->mailbox))
			arch_idle_until_tsc(c->sleepers.first
						    ? c->sleepers.first->wake_tsc
						    : 0);
		atomic_store(&c->halted, false);
	}
}

static void *idle_fn(void *arg)
{
	(void)arg;
	sched_idle_loop();
}

void sched_create_idle(void)
{
	struct thread *t = mem_zalloc(sizeof(*t), 16);

	BUG_ON(!t);
	t->fn = idle_fn;
	t->stack_size = 16 * 1024;
	BUG_ON(start_on_this_cpu(t) < 0);
	t->state = THREAD_READY;
	this_cpu()->idle = t;
}

/* First code of every new thread (entered from thread_start). */
__noreturn void sched_thread_entry(struct thread *t)
{
	finish_ended(this_cpu());
	thread_exit(t->fn(t->arg));
}

/* Gives t a stack with a guard page and an initial frame. */
static int start_on_this_cpu(struct thread *t)
{
	uint64_t *sp;
	uint8_t *stack = mem_alloc_aligned(t->stack_size + PAGE, PAGE);

	t->cpu = this_cpu();
	if (stack && mmu_set_guard(stack, true) < 0) {
		mem_free(stack);
		stack = NULL;
	}
	if (!stack) {
		t->result = (void *)(intptr_t)-ENOMEM;
		t->state = THREAD_DEAD;
		t->cpu->ended = t;
		finish_ended(t->cpu);
		return -ENOMEM;
	}
	t->stack = stack;
	sp = (uint64_t *)(stack + PAGE + t->stack_size);
	*--sp = (uintptr_t)thread_start; /* switch_context's ret */
	*--sp = 0;			 /* rbp */
	*--sp = 0;			 /* rbx */
	*--sp = (uintptr_t)sched_thread_entry; /* r12 */
	*--sp = (uintptr_t)t;			/* r13 */
	*--sp = 0;				/* r14 */
	*--sp = 0;				/* r15 */
	t->rsp = (uintptr_t)sp;
	return 0;
}

struct thread *thread_create_ex(unsigned int cpu, thread_fn fn, void *arg,
				size_t stack_size)
{
	struct thread *t;
	struct msg *m;

	if (cpu >= CPU_MAX || !cpus[cpu] || !fn)
		return NULL;
	t = mem_zalloc(sizeof(*t), 16);
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->stack_size = ALIGN_UP(stack_size ? stack_size : THREAD_STACK_DEFAULT,
				 PAGE);
	t->cpu = cpus[cpu];
	t->state = THREAD_READY;
	if (cpus[cpu] == this_cpu()) {
		if (start_on_this_cpu(t) == 0)
			list_push(&t->cpu->runq, t);
		return t;
	}
	m = msg_new(MSG_START, t);
	if (!m) {
		mem_free(t);
		return NULL;
	}
	sched_post(cpu, m);
	return t;
}

struct thread *thread_create(unsigned int cpu, thread_fn fn, void *arg)
{
	return thread_create_ex(cpu, fn, arg, 0);
}

void *thread_join(struct thread *t)
{
	void *result;

	if (atomic_exchange(&t->joiner, thread_self()) != JOIN_DONE)
		while (atomic_load(&t->joiner) != JOIN_DONE)
			sched_block();
	result = t->result;
	thread_free(t);
	return result;
}

void thread_detach(struct thread *t)
{
	if (!(atomic_fetch_or(&t->fate, THREAD_DETACHED) & THREAD_ENDED))
		return; /* its CPU frees it when it ends */
	while (atomic_load(&t->joiner) != JOIN_DONE)
		cpu_relax(); /* finish_ended is finishing on its CPU */
	thread_free(t);
}

__noreturn void thread_exit(void *result)
{
	struct thread *t = thread_self();

	t->result = result;
	t->state = THREAD_DEAD;
	schedule();
	panic("a dead thread was scheduled");
}

void thread_yield(void)
{
	struct cpu *c = this_cpu();

	c->current->state = THREAD_READY;
	list_push(&c->runq, c->current);
	schedule();
}

int thread_wait(uint64_t deadline_ns)
{
	struct thread *t = thread_self();

	if (t->wake_pending) {
		t->wake_pending = false;
		return 0;
	}
	t->woken = false;
	t->state = THREAD_BLOCKED;
	t->wake_tsc = deadline_ns ? time_ns_to_tsc(deadline_ns) : 0;
	if (t->wake_tsc)
		sleepers_insert(t->cpu, t);
	schedule();
	t->wake_tsc = 0;
	return t->woken ? 0 : -ETIMEDOUT;
}

void thread_wake(struct thread *t)
{
	sched_wake(t);
}

void sched_block(void)
{
	(void)thread_wait(0);
}

void thread_sleep_until(uint64_t deadline_ns)
{
	struct thread *t = thread_self();

	t->wake_tsc = time_ns_to_tsc(deadline_ns);
	t->state = THREAD_SLEEPING;
	sleepers_insert(t->cpu, t);
	schedule();
	t->wake_tsc = 0;
}

void thread_sleep_us(uint64_t us)
{
	thread_sleep_until(time_now_ns() + us * 1000);
}

void thread_sleep_ms(uint64_t ms)
{
	thread_sleep_us(ms * 1000);
}

void thread_suspend(void)
{
	sched_block();
}

void thread_resume(struct thread *t)
{
	sched_wake(t);
}

struct thread *thread_self(void)
{
	return this_cpu()->current;
}

unsigned int thread_cpu(const struct thread *t)
{
	return t->cpu->id;
}

/* Application messages (torito/mailbox.h). */

static void app_deliver(struct cpu *c, struct msg *m)
{
	struct thread *w;

	atomic_store(&m->node.next, NULL);
	if (c->app_last)
		atomic_store(&c->app_last->node.next, &m->node);
	else
		c->app_first = m;
	c->app_last = m;
	w = c->app_waiters;
	if (w) {
		c->app_waiters = w->wait_next;
		w->waiting = false;
		local_wake(w);
	}
}

int mailbox_send(unsigned int cpu, const void *data, size_t len)
{
	struct msg *m;

	if (cpu >= CPU_MAX || !cpus[cpu] || len > MAILBOX_MSG_MAX)
		return -EINVAL;
	m = msg_new(MSG_APP, NULL);
	if (!m)
		return -ENOMEM;
	m->len = (uint32_t)len;
	memcpy(m->data, data, len);
	if (cpus[cpu] == this_cpu()) {
		app_deliver(this_cpu(), m);
		return 0;
	}
	sched_post(cpu, m);
	return 0;
}

int mailbox_recv(void *buf, size_t size, unsigned int *from)
{
	struct cpu *c = this_cpu();
	struct msg *m;
	int len;

	while (!c->app_first) {
		struct thread *self = thread_self();
		if (!self->waiting) {
			self->waiting = true;
			self->wait_next = c->app_waiters;
			c->app_waiters = self;
		}
		sched_block();
	}
	m = c->app_first;
	c->app_first = (struct msg *)atomic_load(&m->node.next);
	if (!c->app_first)
		c->app_last = NULL;
	if (from)
		*from = m->from;
	len = m->len <= size ? (int)m->len : -EOVERFLOW;
	if (len >= 0)
		memcpy(buf, m->data, m->len);
	mem_free(m);
	return len;
}
