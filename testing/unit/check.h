/*
 * Minimal checks for host unit tests. CHECK records a failure with file and
 * line and keeps going; check_done() prints "N passed, N failed" and returns
 * the process exit status.
 */
#ifndef TORITO_TESTING_UNIT_CHECK_H
#define TORITO_TESTING_UNIT_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (cond) {                                                   \
			check_passed++;                                       \
		} else {                                                      \
			check_failed++;                                       \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",          \
				__FILE__, __LINE__, #cond);                   \
		}                                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a == _b) {                                               \
			check_passed++;                                       \
		} else {                                                      \
			check_failed++;                                       \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld vs %lld\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);          \
		}                                                             \
	} while (0)

#define CHECK_STR(a, b)                                                       \
	do {                                                                  \
		const char *_a = (a), *_b = (b);                              \
		if (strcmp(_a, _b) == 0) {                                    \
			check_passed++;                                       \
		} else {                                                      \
			check_failed++;                                       \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" vs \"%s\"\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);          \
		}                                                             \
	} while (0)

static inline int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif /* TORITO_TESTING_UNIT_CHECK_H */
