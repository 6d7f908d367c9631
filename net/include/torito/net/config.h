/*
 * Text forms of IPv4 configuration: dotted quads and the kernel command
 * line words "ip=A.B.C.D netmask=A.B.C.D gw=A.B.C.D". Pure functions; they
 * need no stack and may be called from anywhere.
 */
#ifndef TORITO_NET_CONFIG_H
#define TORITO_NET_CONFIG_H

#include <stddef.h>

#include <torito/compiler.h>
#include <torito/net/types.h>

/*
 * Parses exactly len bytes of "A.B.C.D" (each part 0..255, no leading
 * '+', at most 3 digits). Returns 0 and *out, or -EINVAL.
 */
int net_ip4_parse(const char *s, size_t len, net_ip4_t *out) __must_check;

/*
 * Writes "A.B.C.D" and a NUL into buf (16 bytes are always enough).
 * Returns the length without the NUL, or -ENOSPC when size is too small.
 */
int net_ip4_format(net_ip4_t ip, char *buf, size_t size) __must_check;

/*
 * Reads ip=, netmask= and gw= from a space-separated command line; other
 * words are ignored, the last of a repeated word wins. Without netmask=
 * the mask is 255.255.255.0; without gw= there is no gateway.
 * Returns 0 (static config in *out), -ENOENT when there is no ip= (use
 * DHCP; *out zeroed), -EINVAL for a malformed value or a non-contiguous
 * netmask.
 */
int net_config_parse(const char *cmdline,
		     struct net_ipv4_config *out) __must_check;

#endif /* TORITO_NET_CONFIG_H */
