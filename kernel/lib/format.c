/*
 * A small printf formatter for a kernel without libc. It walks the format
 * string once, converting each directive into a bounded stack buffer and
 * handing text to a sink, so it needs no allocation and is safe in exception
 * handlers. Floating point is left out: the kernel is built without SSE.
 * Portable: also built on the host for unit tests.
 */
#include "kernel/lib/format.h"

#include <stdbool.h>
#include <stdint.h>

#include <torito/console.h>
#include <torito/string.h>

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
	int len;  /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size */
};

static void pad(format_sink_fn sink, void *ctx, char c, int n)
{
	char buf[16];

	memset(buf, c, sizeof(buf));
	while (n > 0) {
		int k = n > (int)sizeof(buf) ? (int)sizeof(buf) : n;
		sink(ctx, buf, (size_t)k);
		n -= k;
	}
}

/* Emits prefix + body with width/zero/left handling; returns chars out. */
static int emit(format_sink_fn sink, void *ctx, const struct spec *sp,
		const char *prefix, const char *body, int blen)
{
	int plen = (int)strlen(prefix);
	int zeros = 0, total;

	if (sp->prec > blen)
		zeros = sp->prec - blen;
	total = plen + zeros + blen;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left && sp->width > total)
		pad(sink, ctx, ' ', sp->width - total);
	sink(ctx, prefix, (size_t)plen);
	pad(sink, ctx, '0', zeros);
	sink(ctx, body, (size_t)blen);
	if (sp->left && sp->width > total)
		pad(sink, ctx, ' ', sp->width - total);
	return total > sp->width ? total : sp->width;
}

static uint64_t take_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case 0: return va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned long long);
	}
}

static int64_t take_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 0: return va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 3: return (int64_t)va_arg(*ap, size_t);
	default: return va_arg(*ap, long long);
	}
}

static int number(format_sink_fn sink, void *ctx, struct spec *sp, char conv,
		  va_list *ap)
{
	const char *digits = conv == 'X' ? "0123456789ABCDEF"
					 : "0123456789abcdef";
	unsigned int base = 10;
	const char *prefix = "";
	char buf[24];
	int i = (int)sizeof(buf);
	uint64_t v;

	if (conv == 'd' || conv == 'i') {
		int64_t s = take_signed(sp, ap);
		v = s < 0 ? -(uint64_t)s : (uint64_t)s;
		if (s < 0)
			prefix = "-";
		else if (sp->plus)
			prefix = "+";
		else if (sp->space)
			prefix = " ";
	} else if (conv == 'p') {
		v = (uintptr_t)va_arg(*ap, void *);
		base = 16;
		prefix = "0x";
	} else {
		v = take_unsigned(sp, ap);
		if (conv == 'x' || conv == 'X')
			base = 16;
		else if (conv == 'o')
			base = 8;
		if (sp->alt && v != 0)
			prefix = base == 16 ? (conv == 'X' ? "0X" : "0x")
			       : base == 8 ? "0" : "";
	}
	if (v == 0 && sp->prec == 0)
		return emit(sink, ctx, sp, prefix, buf, 0);
	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v != 0);
	return emit(sink, ctx, sp, prefix, buf + i, (int)sizeof(buf) - i);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = true;
		else if (*f == '0') sp->zero = true;
		else if (*f == '+') sp->plus = true;
		else if (*f == ' ') sp->space = true;
		else if (*f == '#') sp->alt = true;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	for (;; f++) {
		if (*f == 'h') sp->len = sp->len == -1 ? -2 : -1;
		else if (*f == 'l') sp->len = sp->len == 1 ? 2 : 1;
		else if (*f == 'z' || *f == 't') sp->len = 3;
		else if (*f == 'j') sp->len = 2;
		else break;
	}
	return f;
}

int format_v(format_sink_fn sink, void *ctx, const char *fmt, va_list ap0)
{
	int total = 0;
	va_list ap;

	va_copy(ap, ap0);
	while (*fmt) {
		const char *start = fmt;
		struct spec sp;
		char c;

		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt != start) {
			sink(ctx, start, (size_t)(fmt - start));
			total += (int)(fmt - start);
		}
		if (!*fmt)
			break;
		start = fmt;
		fmt = parse_spec(fmt + 1, &sp, &ap);
		switch (c = *fmt) {
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		case 'p':
			total += number(sink, ctx, &sp, c, &ap);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = sp.prec >= 0 ? (int)strnlen(s, (size_t)sp.prec)
					     : (int)strlen(s);
			sp.prec = -1;
			sp.zero = false;
			total += emit(sink, ctx, &sp, "", s, n);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			sp.prec = -1;
			sp.zero = false;
			total += emit(sink, ctx, &sp, "", &ch, 1);
			break;
		}
		case '%':
			sink(ctx, "%", 1);
			total++;
			break;
		default:
			/* Unknown or truncated directive: print it verbatim. */
			if (!c) {
				sink(ctx, start, (size_t)(fmt - start));
				total += (int)(fmt - start);
				va_end(ap);
				return total;
			}
			sink(ctx, start, (size_t)(fmt + 1 - start));
			total += (int)(fmt + 1 - start);
			break;
		}
		fmt++;
	}
	va_end(ap);
	return total;
}

struct buf_sink {
	char *buf;
	size_t size, used;
};

static void buf_put(void *ctx, const char *s, size_t len)
{
	struct buf_sink *b = ctx;

	for (size_t i = 0; i < len; i++, b->used++)
		if (b->used + 1 < b->size)
			b->buf[b->used] = s[i];
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { .buf = buf, .size = size };
	int n = format_v(buf_put, &b, fmt, ap);

	if (size > 0)
		buf[b.used < size ? b.used : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
