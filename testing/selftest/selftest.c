/*
 * selftest: checks the kernel core from inside a running image, on every
 * CPU the machine has. Each check prints "selftest: NAME ok" or a FAIL line
 * with what went wrong; the image exits with success only if all passed.
 * Timing is never asserted beyond "not early" and "in deadline order"; how
 * late wake-ups were is printed, not judged (a loaded host decides that).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/app.h>
#include <torito/console.h>
#include <torito/cpu.h>
#include <torito/errno.h>
#include <torito/mailbox.h>
#include <torito/mem.h>
#include <torito/string.h>
#include <torito/thread.h>
#include <torito/time.h>

static int failures;

#define EXPECT(cond, ...)                                                     \
	do {                                                                  \
		if (!(cond)) {                                                \
			failures++;                                           \
			kprintf("selftest: FAIL %s:%d: ", __func__, __LINE__);\
			kprintf(__VA_ARGS__);                                 \
			kprintf("\n");                                        \
		}                                                             \
	} while (0)

/* ---- memory: stress on every CPU, half the blocks freed by another CPU */

#define BLOCKS 2000

struct stress_arg {
	unsigned int peer;
	int errors;
};

static void *measure(void *arg)
{
	struct mem_stats st;

	if (mem_stats(&st) < 0)
		return (void *)(uintptr_t)-1;
	return (void *)(uintptr_t)st.in_use_bytes;
}

static size_t in_use_on(unsigned int cpu)
{
	return (size_t)(uintptr_t)thread_join(thread_create(cpu, measure, NULL));
}

/* Receives block pointers from a neighbour and frees them here. */
static void *free_remote(void *arg)
{
	int n = 0;

	for (;;) {
		void *p;
		unsigned int from;
		int len = mailbox_recv(&p, sizeof(p), &from);
		if (len != sizeof(p))
			return (void *)(uintptr_t)-1;
		if (!p)
			return (void *)(uintptr_t)n;
		mem_free(p);
		n++;
	}
}

static void *stress(void *argp)
{
	struct stress_arg *arg = argp;
	static const size_t sizes[] = { 8, 16, 40, 100, 256, 700, 2048, 3000,
					4096, 9000, 70000 };
	void **blocks = mem_zalloc(BLOCKS * sizeof(void *), 0);
	uint64_t seed = 0x9e3779b97f4a7c15ull * (cpu_id() + 1);

	if (!blocks)
		return (void *)(uintptr_t)1;
	for (int i = 0; i < BLOCKS; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		size_t sz = sizes[(seed >> 33) % ARRAY_SIZE(sizes)];
		blocks[i] = mem_alloc(sz);
		if (!blocks[i]) {
			arg->errors++;
			continue;
		}
		memset(blocks[i], (int)(i & 0xff), sz < 64 ? sz : 64);
		if (i % 3 == 0) { /* churn: free some at once, locally */
			mem_free(blocks[i]);
			blocks[i] = NULL;
		}
	}
	for (int i = 0; i < BLOCKS; i++) {
		if (!blocks[i])
			continue;
		if (((uint8_t *)blocks[i])[0] != (uint8_t)(i & 0xff))
			arg->errors++;
		if (i % 2 == 0) {
			mem_free(blocks[i]);
		} else if (mailbox_send(arg->peer, &blocks[i],
					sizeof(void *)) < 0) {
			arg->errors++;
			mem_free(blocks[i]);
		}
	}
	void *end = NULL;
	while (mailbox_send(arg->peer, &end, sizeof(end)) < 0)
		thread_yield();
	mem_free(blocks);
	return NULL;
}

static void check_memory(void)
{
	unsigned int n = cpu_count();
	size_t before[CPU_MAX];
	struct stress_arg args[CPU_MAX];
	struct thread *workers[CPU_MAX], *freers[CPU_MAX];
	int freed = 0;

	for (unsigned int c = 0; c < n; c++)
		before[c] = in_use_on(c);
	for (unsigned int c = 0; c < n; c++)
		freers[c] = thread_create(c, free_remote, NULL);
	for (unsigned int c = 0; c < n; c++) {
		args[c] = (struct stress_arg){ .peer = (c + 1) % n };
		workers[c] = thread_create(c, stress, &args[c]);
		EXPECT(workers[c] && freers[c], "thread_create on cpu %u", c);
	}
	for (unsigned int c = 0; c < n; c++) {
		thread_join(workers[c]);
		EXPECT(args[c].errors == 0, "cpu %u: %d allocation errors", c,
		       args[c].errors);
	}
	for (unsigned int c = 0; c < n; c++) {
		intptr_t r = (intptr_t)thread_join(freers[c]);
		EXPECT(r >= 0, "cpu %u: remote free channel broke", c);
		freed += (int)r;
	}
	for (unsigned int c = 0; c < n; c++) {
		size_t after = in_use_on(c);
		EXPECT(after == before[c],
		       "cpu %u: %lu bytes in use after stress, %lu before", c,
		       (unsigned long)after, (unsigned long)before[c]);
	}
	EXPECT(freed > 0, "no block was freed by another cpu");
	kprintf("selftest: memory ok (%u cpus, %d blocks freed by the next cpu)\n", n,
		freed);
}

/* ---- sleeping: order and never early */

/* Sleepers with absolute deadlines given out of order must wake in
 * deadline order, never early (a host that pauses the guest only makes
 * them late). */
static uint64_t wake_deadline[4];
static int wake_count;
static uint64_t max_late_us;

static int late_sleepers; /* deadline already gone when they lay down */

static void *sleeper(void *arg)
{
	uint64_t deadline = *(uint64_t *)arg;

	if (time_now_ns() >= deadline)
		late_sleepers++;
	thread_sleep_until(deadline);
	uint64_t now = time_now_ns();
	if (now < deadline)
		return (void *)(uintptr_t)1; /* woke early */
	if ((now - deadline) / 1000 > max_late_us)
		max_late_us = (now - deadline) / 1000;
	wake_deadline[wake_count++] = deadline;
	return NULL;
}

static void check_sleep(void)
{
	/* Far enough ahead that all four are asleep before the first one is
	 * due, even when the host is slow to run this vCPU. */
	static const int ms[4] = { 375, 300, 350, 325 };
	uint64_t deadline[4], t0 = time_now_ns();
	struct thread *t[4];
	int early = 0;

	wake_count = 0;
	for (int i = 0; i < 4; i++) {
		deadline[i] = t0 + (uint64_t)ms[i] * 1000000;
		t[i] = thread_create(cpu_id(), sleeper, &deadline[i]);
	}
	for (int i = 0; i < 4; i++)
		early += (int)(uintptr_t)thread_join(t[i]);
	EXPECT(early == 0, "%d sleepers woke early", early);
	EXPECT(wake_count == 4, "%d of 4 sleepers woke", wake_count);
	EXPECT(late_sleepers == 0, "%d sleepers started after their deadline "
	       "(the host stalled this vCPU for over 300 ms)", late_sleepers);
	for (int i = 1; i < wake_count; i++)
		EXPECT(wake_deadline[i - 1] < wake_deadline[i],
		       "sleeper %d woke before an earlier deadline", i);
	/* Relative sleeps: at least as long as asked. */
	uint64_t s0 = time_now_ns();
	thread_sleep_ms(5);
	EXPECT(time_now_ns() - s0 >= 5000000, "thread_sleep_ms(5) returned early");
	kprintf("selftest: sleep ok (latest wake-up %lu us after its "
		"deadline)\n",
		(unsigned long)max_late_us);
}

/* ---- thousands of threads, created on every CPU, joined from CPU 0 */

#define WAVE 500
#define WAVES 8

static void *add_one(void *arg)
{
	return (void *)((uintptr_t)arg + 1 + ((uintptr_t)cpu_id() << 32));
}

static void check_threads(void)
{
	unsigned int n = cpu_count();
	static struct thread *t[WAVE];
	int bad = 0, made = 0;

	for (int w = 0; w < WAVES; w++) {
		for (int i = 0; i < WAVE; i++) {
			t[i] = thread_create_ex((unsigned int)i % n, add_one,
						(void *)(uintptr_t)i, 8192);
			made += t[i] != NULL;
		}
		for (int i = 0; i < WAVE; i++) {
			if (!t[i])
				continue;
			uintptr_t r = (uintptr_t)thread_join(t[i]);
			if ((r & 0xffffffff) != (uintptr_t)i + 1 ||
			    (r >> 32) != (uintptr_t)i % n)
				bad++;
		}
	}
	EXPECT(made == WAVE * WAVES, "only %d of %d threads created", made,
	       WAVE * WAVES);
	EXPECT(bad == 0, "%d threads returned wrong results or ran on the "
	       "wrong cpu", bad);
	kprintf("selftest: threads ok (%d created and joined on %u cpus)\n",
		made, n);
}

/* ---- mailboxes: per-sender order across CPUs */

#define MSGS 300

struct seq_msg {
	uint32_t sender, seq;
};

static void *send_seq(void *arg)
{
	unsigned int to = (unsigned int)(uintptr_t)arg;

	for (uint32_t i = 0; i < MSGS; i++) {
		struct seq_msg m = { cpu_id(), i };
		while (mailbox_send(to, &m, sizeof(m)) < 0)
			thread_yield();
		if (i % 50 == 0)
			thread_yield();
	}
	return NULL;
}

static void check_mailbox(void)
{
	unsigned int n = cpu_count();
	uint32_t next[CPU_MAX] = { 0 };
	struct thread *t[CPU_MAX];
	int bad = 0, got = 0;

	for (unsigned int c = 0; c < n; c++)
		t[c] = thread_create(c, send_seq, (void *)(uintptr_t)cpu_id());
	while (got < (int)(MSGS * n)) {
		struct seq_msg m;
		unsigned int from;
		if (mailbox_recv(&m, sizeof(m), &from) != sizeof(m) ||
		    from != m.sender || m.seq != next[m.sender]++)
			bad++;
		got++;
	}
	for (unsigned int c = 0; c < n; c++)
		thread_join(t[c]);
	EXPECT(bad == 0, "%d messages out of order or malformed", bad);
	/* A payload that is too big is refused, not truncated. */
	uint8_t big[MAILBOX_MSG_MAX + 1];
	EXPECT(mailbox_send(0, big, sizeof(big)) == -EINVAL,
	       "oversized message accepted");
	EXPECT(mailbox_send(CPU_MAX, big, 1) == -EINVAL, "bad cpu accepted");
	kprintf("selftest: mailbox ok (%d messages from %u cpus in order)\n",
		got, n);
}

/* ---- suspend and resume across CPUs */

static volatile int resumed;

static void *suspender(void *arg)
{
	thread_suspend();
	resumed = 1;
	return NULL;
}

static void *resumer(void *arg)
{
	thread_sleep_ms(5);
	thread_resume(arg);
	return NULL;
}

static void check_suspend(void)
{
	unsigned int other = cpu_count() - 1;
	struct thread *s = thread_create(0, suspender, NULL);
	struct thread *r = thread_create(other, resumer, s);

	thread_join(r);
	thread_join(s);
	EXPECT(resumed == 1, "suspended thread did not resume");
	kprintf("selftest: suspend ok (resumed from cpu %u)\n", other);
}

int torito_main(void)
{
	kprintf("selftest: %u cpus\n", cpu_count());
	check_sleep();
	check_suspend();
	check_mailbox();
	check_threads();
	check_memory();
	if (failures) {
		kprintf("selftest: %d checks FAILED\n", failures);
		return 1;
	}
	kprintf("selftest: all checks passed\n");
	return 0;
}
