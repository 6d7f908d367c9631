/*
 * Mailboxes: how work crosses CPUs without locks. Each CPU has one mailbox,
 * a lock-free multi-producer queue that only that CPU consumes, and one
 * application channel on top of it. Messages from one sender arrive in the
 * order they were sent.
 */
#ifndef TORITO_MAILBOX_H
#define TORITO_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include <torito/compiler.h>

#define MAILBOX_MSG_MAX 64 /* payload bytes per application message */

/*
 * Sends len bytes (at most MAILBOX_MSG_MAX) to the application channel of
 * cpu. The payload is copied. Returns 0, -EINVAL (bad cpu or length), or
 * -ENOMEM. Never blocks; wakes cpu if it is idle. Thread context, any CPU.
 */
int mailbox_send(unsigned int cpu, const void *data, size_t len) __must_check;

/*
 * Receives the next application message for the calling CPU into buf
 * (size bytes), blocking until one arrives. Returns its length, or
 * -EOVERFLOW if it did not fit (the message is then dropped). *from gets the
 * sending CPU when from is not NULL.
 */
int mailbox_recv(void *buf, size_t size, unsigned int *from) __must_check;

#endif /* TORITO_MAILBOX_H */
