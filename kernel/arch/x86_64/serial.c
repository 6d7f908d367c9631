/*
 * The boot console on a 16550 UART at COM1 (0x3f8), 115200 8N1, polled.
 * kprintf lands here on PC machines. Where no UART answers (its line status
 * reads 0xff) output is dropped rather than waiting forever; the wait for
 * an empty transmitter is bounded. Input is not read.
 */
#include <stdbool.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/console_driver.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define LSR_THR_EMPTY 0x20
#define SPIN_LIMIT 100000
#define FIFO_SIZE 16 /* 16550A transmit FIFO, enabled in serial_init */

static bool uart_present;

static unsigned int fifo_room; /* bytes we may write before polling LSR */

/*
 * One LSR poll per FIFO-full of bytes, not per byte: under a hypervisor
 * every port access is a VM exit, and nested ones cost tens of µs.
 */
static void serial_putc(char c)
{
	if (fifo_room == 0) {
		for (int i = 0; i < SPIN_LIMIT; i++)
			if (inb(COM1 + UART_LSR) & LSR_THR_EMPTY)
				break;
		fifo_room = FIFO_SIZE;
	}
	outb(COM1 + UART_THR, (uint8_t)c);
	fifo_room--;
}

static void serial_write(const char *s, size_t len)
{
	if (!uart_present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void serial_init(void)
{
	if (inb(COM1 + UART_LSR) == 0xff)
		return; /* nothing decodes the port */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* divisor latch */
	outb(COM1 + UART_DLL, 0x01); /* 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0xc7); /* FIFO on, cleared */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
	uart_present = true;
	console_set_backend(serial_write);
}
