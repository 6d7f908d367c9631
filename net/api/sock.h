/*
 * The socket handle every protocol embeds first (private). Events raised
 * while a frame or a timer is processed are queued on the stack and
 * dispatched when the outermost entry point returns (sock_dispatch_all):
 * env->notify for plain sockets, the service callbacks for service
 * connections. So callbacks never run in the middle of protocol code, and
 * may call back into the socket API.
 */
#ifndef TORITO_NET_API_SOCK_H
#define TORITO_NET_API_SOCK_H

#include <stdint.h>

#include <torito/net/socket.h>

#include "net/core/list.h"

struct net_service;

#define SOCK_F_CLOSED 0x01  /* the application released the handle */
#define SOCK_F_SERVICE 0x02 /* events go to service callbacks */

#define SOCK_EV_NOTIFY 0x01  /* readiness may have changed */
#define SOCK_EV_ACCEPT 0x02  /* service: connection established */
#define SOCK_EV_READ 0x04    /* new data */
#define SOCK_EV_TIMEOUT 0x08 /* service: idle timeout */
#define SOCK_EV_CLOSE 0x10   /* peer FIN, reset or timeout */
#define SOCK_EV_WRITE 0x20   /* service: send space after a full buffer */

struct net_sock {
	struct net_stack *stack;
	struct net_list pending; /* on stack->pending while events != 0 */
	struct net_service *svc; /* service connections only */
	void *user;
	int error; /* pending -errno for net_sock_error */
	uint8_t type;
	uint8_t flags;
	uint8_t events;
};

void sock_init(struct net_sock *k, struct net_stack *s, uint8_t type);

/* Queues events for dispatch (nothing once the handle is closed). */
void sock_event(struct net_sock *k, uint8_t ev);

/* Forgets queued events (before the socket is freed). */
void sock_forget(struct net_sock *k);

/* Delivers all queued events; callbacks may queue more. */
void sock_dispatch_all(struct net_stack *s);

/* Service side of dispatch (service.c). */
void service_dispatch(struct net_sock *conn, uint8_t events);

/* Unregisters every service (stack teardown; no callbacks). */
void service_fini(struct net_stack *s);

#endif /* TORITO_NET_API_SOCK_H */
