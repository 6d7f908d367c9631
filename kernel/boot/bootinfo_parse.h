/*
 * Parsers that turn the raw PVH or multiboot2 boot structures into a
 * struct boot_info. Private to kernel/boot and its tests. They never trust
 * the input: every address goes through a phys_map callback that refuses
 * what is not readable, every length is bounded, and a structure that cannot
 * be used returns an error with a reason instead of crashing.
 */
#ifndef TORITO_KERNEL_BOOT_BOOTINFO_PARSE_H
#define TORITO_KERNEL_BOOT_BOOTINFO_PARSE_H

#include <stdint.h>

#include <torito/boot.h>
#include <torito/compiler.h>

#define PVH_START_MAGIC 0x336ec578u
#define MB2_BOOT_MAGIC 0x36d76289u

/*
 * Returns a readable pointer to len bytes at physical address paddr, or NULL
 * if any of them is not readable.
 */
typedef const void *(*phys_map_fn)(void *ctx, uint64_t paddr, uint64_t len);

/*
 * Fills bi from a PVH hvm_start_info at physical address info_paddr.
 * Returns 0, or -EINVAL (bad magic or version), -EFAULT (a pointer in the
 * record is unreadable), -ENODATA (no usable memory map). *why is set to a
 * one-line reason on error.
 */
int bootinfo_parse_pvh(struct boot_info *bi, uint64_t info_paddr,
		       phys_map_fn map, void *ctx, const char **why) __must_check;

/*
 * Fills bi from multiboot2 information at physical address info_paddr.
 * Same return values as bootinfo_parse_pvh.
 */
int bootinfo_parse_mb2(struct boot_info *bi, uint64_t info_paddr,
		       phys_map_fn map, void *ctx, const char **why) __must_check;

#endif /* TORITO_KERNEL_BOOT_BOOTINFO_PARSE_H */
