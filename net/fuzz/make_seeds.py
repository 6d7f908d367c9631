#!/usr/bin/env python3
"""Writes a seed corpus for net_fuzz: well-formed record sequences (ARP,
ping, UDP, a TCP handshake with data and FIN to the echo service, an IP
fragment pair, a DHCP offer) so the fuzzer starts past the checksums.

usage: make_seeds.py OUTDIR
"""
import os
import struct
import sys

US = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56])
PEER = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x57])
BCAST = b"\xff" * 6
IP_US = bytes([10, 0, 0, 1])
IP_PEER = bytes([10, 0, 0, 2])


def csum(data, start=0):
    if len(data) % 2:
        data += b"\0"
    s = start + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, typ, payload):
    return dst + PEER + struct.pack("!H", typ) + payload


def ipv4(proto, payload, src=IP_PEER, dst=IP_US, frag=0, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return eth(US, 0x0800, h + payload)


def pseudo(proto, length, src=IP_PEER, dst=IP_US):
    p = src + dst + struct.pack("!BBH", 0, proto, length)
    return sum(struct.unpack("!6H", p))


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b""):
    hl = 20 + len(opts)
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (hl // 4) << 4,
                    flags, 65535, 0, 0) + opts + data
    c = csum(h, pseudo(6, len(h)))
    return ipv4(6, h[:16] + struct.pack("!H", c) + h[18:])


def udp(sport, dport, data, dst=IP_US):
    h = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(h, pseudo(17, len(h), dst=dst)) or 0xFFFF
    return ipv4(17, h[:6] + struct.pack("!H", c) + h[8:], dst=dst)


def icmp_echo(n):
    body = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + bytes(range(n))
    return ipv4(1, body[:2] + struct.pack("!H", csum(body)) + body[4:])


def arp(op, tpa):
    return eth(BCAST, 0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6,
                                          4, op, PEER, IP_PEER, b"\0" * 6,
                                          tpa))


def rec(frame, ctl=0):
    return bytes([ctl]) + struct.pack("!H", len(frame)) + frame


def seeds():
    mss = b"\x02\x04\x05\xb4\x01\x03\x03\x07"
    yield "arp", b"\0" + rec(arp(1, IP_US)) + rec(arp(2, IP_US), 3)
    yield "ping", b"\0" + rec(arp(1, IP_US)) + rec(icmp_echo(32))
    yield "udp", b"\0" + rec(arp(1, IP_US)) + rec(udp(1234, 7, b"hello"))
    # Handshake with the echo service. The seed cannot know the stack's
    # ISN: ctl bit 0x10 makes the fuzzer answer the last segment sent.
    yield "tcp80", (b"\0" + rec(arp(1, IP_US)) +
                    rec(tcp(4000, 80, 100, 0, 0x02, opts=mss)) +
                    rec(tcp(4000, 80, 101, 1, 0x10), 0x11) +
                    rec(tcp(4000, 80, 101, 1, 0x18, b"GET / HTTP/1.0\r\n\r\n"),
                        0x11) +
                    rec(tcp(4000, 80, 119, 1, 0x10), 0x16) +
                    rec(tcp(4000, 80, 119, 1, 0x11), 0x15) +
                    rec(tcp(4000, 80, 120, 1, 0x10), 0x15))
    yield "tcp81", (b"\0" + rec(arp(1, IP_US)) +
                    rec(tcp(4001, 81, 7, 0, 0x02)) +
                    rec(tcp(4001, 81, 8, 1, 0x10), 0x10) +
                    rec(tcp(4001, 81, 8, 1, 0x18, b"data"), 0x10) +
                    rec(tcp(4001, 81, 8, 1, 0x14), 0x10))
    # Answer the stack's own connection attempt to 10.0.0.2:5000.
    yield "active", (b"\0" + rec(arp(2, IP_US)) +
                     rec(tcp(5000, 40000, 900, 1, 0x12, opts=mss), 0x11) +
                     rec(tcp(5000, 40000, 901, 1, 0x18, b"hi"), 0x11) +
                     rec(tcp(5000, 40000, 903, 1, 0x11), 0x11))
    yield "rst", b"\0" + rec(tcp(5000, 49999, 1, 1, 0x04))
    body = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + bytes(1200)
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    yield "frag", (b"\0" + rec(ipv4(1, body[:800], frag=0x2000, ident=9)) +
                   rec(ipv4(1, body[800:], frag=100, ident=9)))
    offer = bytearray(300)
    offer[0:4] = b"\x02\x01\x06\x00"
    offer[16:20] = bytes([10, 0, 0, 50])
    offer[28:34] = US
    offer[236:240] = b"\x63\x82\x53\x63"
    offer[240:] = (b"\x35\x01\x02\x36\x04\x0a\x00\x00\x02\x33\x04\x00\x00"
                   b"\x0e\x10\x01\x04\xff\xff\xff\x00\x03\x04\x0a\x00\x00"
                   b"\xfe\xff").ljust(60, b"\0")
    yield "dhcp", b"\1" + rec(udp(67, 68, bytes(offer),
                                  dst=b"\xff\xff\xff\xff"), 0x13)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
