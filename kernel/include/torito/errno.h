/*
 * Error codes. Functions that can fail return 0 (or a count) on success and
 * a negative code from this list on failure; the values match Linux so a
 * number in a log line means the same thing everywhere.
 */
#ifndef TORITO_ERRNO_H
#define TORITO_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define EPIPE 32
#define ERANGE 34
#define ENOSYS 38
#define ENODATA 61
#define EPROTO 71
#define EBADMSG 74
#define EOVERFLOW 75
#define ENOTSUP 95
#define ETIMEDOUT 110

/* Network (net/ sockets and services). */
#define ENOTSOCK 88
#define EDESTADDRREQ 89
#define EMSGSIZE 90
#define EPROTONOSUPPORT 93
#define EADDRINUSE 98
#define EADDRNOTAVAIL 99
#define ENETUNREACH 101
#define ECONNABORTED 103
#define ECONNRESET 104
#define EISCONN 106
#define ENOTCONN 107
#define ECONNREFUSED 111
#define EHOSTUNREACH 113
#define EALREADY 114
#define EINPROGRESS 115

/* A short name for an error code ("EINVAL"), or "E?" for unknown codes. */
const char *errno_name(int err);

#endif /* TORITO_ERRNO_H */
