/*
 * Compiler attributes and small helpers shared by all of Torito, kernel and
 * host builds alike. Nothing here depends on the target.
 */
#ifndef TORITO_COMPILER_H
#define TORITO_COMPILER_H

#define __must_check __attribute__((warn_unused_result))
#define __noreturn __attribute__((noreturn))
#define __printf_like(f, a) __attribute__((format(printf, f, a)))
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __used __attribute__((used))
#define __section(s) __attribute__((section(s)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))

#endif /* TORITO_COMPILER_H */
