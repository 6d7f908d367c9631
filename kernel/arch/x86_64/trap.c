/*
 * The IDT and trap dispatch. Exceptions are always fatal in a ring-0,
 * single-application kernel: the handler prints the vector's name, the
 * error code, RIP, CR2 for page faults, every register and a backtrace, then
 * powers off with failure. A fault while reporting a fault prints one line
 * and powers off at once, so nothing ends in a silent hang. Interrupt
 * vectors (32..255) go to irq_dispatch (irq.c).
 */
#include <stdbool.h>
#include <stdint.h>

#include <torito/compiler.h>
#include <torito/console.h>
#include <torito/power.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/trap.h"

#define IDT_VECTORS 256
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __packed;

extern const uint64_t isr_stub_table[IDT_VECTORS];
extern const char __image_start[], __text_end[];

static struct idt_gate idt[IDT_VECTORS] __aligned(16);
static int reporting; /* nesting depth of fatal reports */

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

static void set_gate(unsigned int v, uint64_t addr, uint8_t ist)
{
	idt[v] = (struct idt_gate){
		.off_lo = addr & 0xffff,
		.sel = 0x08,
		.ist = ist,
		.type = 0x8e, /* present, ring 0, 64-bit interrupt gate */
		.off_mid = (addr >> 16) & 0xffff,
		.off_hi = addr >> 32,
	};
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed ptr = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_init(void)
{
	for (unsigned int v = 0; v < IDT_VECTORS; v++)
		set_gate(v, isr_stub_table[v], 0);
	set_gate(2, isr_stub_table[2], IST_NMI);
	set_gate(8, isr_stub_table[8], IST_DOUBLE_FAULT);
	set_gate(18, isr_stub_table[18], IST_MACHINE_CHECK);
	idt_load();
}

/* A frame pointer we may follow: 8-aligned, mapped (not page 0), < 4 GiB. */
static bool frame_ok(uint64_t rbp)
{
	return rbp >= 4096 && rbp < (1ull << 32) - 16 && (rbp & 7) == 0;
}

void backtrace_print(uint64_t rbp)
{
	uint64_t last = 0;
	int repeats = 0, depth = 0;

	kprintf("backtrace (addr2line -e image.elf ADDR):\n");
	for (int steps = 0; steps < 4096 && depth < 32 && frame_ok(rbp);
	     steps++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < (uintptr_t)__image_start || ret >= (uintptr_t)__text_end)
			break;
		if (ret == last) {
			repeats++; /* deep recursion: one line for the run */
		} else {
			if (repeats)
				kprintf("  ... repeated %d more times\n", repeats);
			repeats = 0;
			kprintf("  #%d 0x%016lx\n", depth++, ret);
			last = ret;
		}
		if (frame[0] <= rbp) /* the chain must climb the stack */
			break;
		rbp = frame[0];
	}
	if (repeats)
		kprintf("  ... repeated %d more times\n", repeats);
}

static void dump_registers(const struct trap_frame *tf)
{
	kprintf("rip %016lx  rsp %016lx  rflags %016lx  cs %lx ss %lx\n",
		tf->rip, tf->rsp, tf->rflags, tf->cs, tf->ss);
	kprintf("rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax,
		tf->rbx, tf->rcx, tf->rdx);
	kprintf("rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi,
		tf->rdi, tf->rbp, tf->r8);
	kprintf("r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9,
		tf->r10, tf->r11, tf->r12);
	kprintf("r13 %016lx  r14 %016lx  r15 %016lx  cr3 %016lx\n", tf->r13,
		tf->r14, tf->r15, read_cr3());
}

static __noreturn void fatal_exception(struct trap_frame *tf)
{
	const char *name = tf->vector < 32 && exception_names[tf->vector]
				   ? exception_names[tf->vector]
				   : "reserved";

	if (reporting++) {
		kprintf("\ntorito: fault while reporting a fault (vector %lu, "
			"rip 0x%lx)\n",
			tf->vector, tf->rip);
		power_off(1);
	}
	kprintf("\ntorito: exception %lu (%s), error code 0x%lx, rip 0x%lx\n",
		tf->vector, name, tf->error, tf->rip);
	if (tf->vector == 14)
		kprintf("page fault address 0x%lx (%s, %s%s)\n", read_cr2(),
			tf->error & 1 ? "protection violation" : "not present",
			tf->error & 2 ? "write" : "read",
			tf->error & 16 ? ", instruction fetch" : "");
	if (tf->vector == 8)
		kprintf("double fault: most likely a kernel stack overflow\n");
	dump_registers(tf);
	backtrace_print(tf->rbp);
	power_off(1);
}

void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector < 32)
		fatal_exception(tf);
	irq_dispatch((unsigned int)tf->vector);
}
