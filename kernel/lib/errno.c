/* Names for error codes, for log lines. */
#include <torito/compiler.h>
#include <torito/errno.h>

static const struct {
	int code;
	const char *name;
} names[] = {
	{ EPERM, "EPERM" },	{ ENOENT, "ENOENT" },	  { EIO, "EIO" },
	{ E2BIG, "E2BIG" },	{ ENOEXEC, "ENOEXEC" },	  { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },	{ EFAULT, "EFAULT" },	  { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },	{ ENODEV, "ENODEV" },	  { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" },	{ ERANGE, "ERANGE" },	  { ENOSYS, "ENOSYS" },
	{ ENODATA, "ENODATA" }, { EPROTO, "EPROTO" },	  { EBADMSG, "EBADMSG" },
	{ EOVERFLOW, "EOVERFLOW" }, { ENOTSUP, "ENOTSUP" },
	{ ETIMEDOUT, "ETIMEDOUT" },
	{ EPIPE, "EPIPE" },
	{ ENOTSOCK, "ENOTSOCK" },
	{ EDESTADDRREQ, "EDESTADDRREQ" },
	{ EMSGSIZE, "EMSGSIZE" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ENETUNREACH, "ENETUNREACH" },
	{ ECONNABORTED, "ECONNABORTED" },
	{ ECONNRESET, "ECONNRESET" },
	{ EISCONN, "EISCONN" },
	{ ENOTCONN, "ENOTCONN" },
	{ ECONNREFUSED, "ECONNREFUSED" },
	{ EHOSTUNREACH, "EHOSTUNREACH" },
	{ EALREADY, "EALREADY" },
	{ EINPROGRESS, "EINPROGRESS" },
};

const char *errno_name(int err)
{
	if (err < 0)
		err = -err;
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].code == err)
			return names[i].name;
	return "E?";
}
