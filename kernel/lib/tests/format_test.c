/* Host unit tests for the printf engine (kernel/lib/format.c). */
#include <stdint.h>

#include <torito/console.h>
#include <torito/errno.h>

#include "testing/unit/check.h"

/* Truncation is exactly what some checks below exercise. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static const char *fmt(const char *f, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

int main(void)
{
	char small[5];

	CHECK_STR(fmt("%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
	CHECK_STR(fmt("%x %X %#x %o", 255, 255, 255, 8), "ff FF 0xff 10");
	CHECK_STR(fmt("%5d|%-5d|%05d", 42, 42, -42), "   42|42   |-0042");
	CHECK_STR(fmt("%ld %llu %zu", -1L, 18446744073709551615ull, (size_t)9),
		  "-1 18446744073709551615 9");
	CHECK_STR(fmt("%lld", (long long)INT64_MIN), "-9223372036854775808");
	CHECK_STR(fmt("%016lx", 0xdeadbeeful), "00000000deadbeef");
	CHECK_STR(fmt("%s|%8s|%-4s|%.2s", "ab", "cd", "e", "xyz"),
		  "ab|      cd|e   |xy");
	CHECK_STR(fmt("%s", (char *)NULL), "(null)");
	CHECK_STR(fmt("%c%c%%", 'o', 'k'), "ok%");
	CHECK_STR(fmt("%*d|%.*s", 4, 1, 1, "zz"), "   1|z");
	CHECK_STR(fmt("%p", (void *)0x1000), "0x1000");
	CHECK_STR(fmt("%hhu %hd", 257, 65537), "1 1");
	CHECK_STR(fmt("%.0d|%+d|% d", 0, 5, 5), "|+5| 5");
	CHECK_STR(fmt("%q %"), "%q %"); /* unknown and truncated: verbatim */

	/* Truncation keeps a NUL and reports the full length. */
	
	CHECK_EQ(snprintf(small, sizeof(small), "%s", "abcdefgh"), 8);
	CHECK_STR(small, "abcd");
	CHECK_EQ(snprintf(small, 0, "xyz"), 3);

	CHECK_STR(errno_name(-EINVAL), "EINVAL");
	CHECK_STR(errno_name(ENOMEM), "ENOMEM");
	CHECK_STR(errno_name(-9999), "E?");
	return check_done();
}
