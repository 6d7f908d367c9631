/*
 * Boot-record parsing for the two boot paths (see bootinfo_parse.h). The
 * kernel entry calls one of the parsers once, on CPU 0, before anything
 * allocates memory; the result is the only boot description the rest of
 * Torito sees. Holes, overlaps and zero-length regions in a memory map are
 * kept or dropped here as plain data; carving memory is kernel/mm's job.
 * Portable: built on the host for unit tests.
 */
#include "kernel/boot/bootinfo_parse.h"

#include <stdbool.h>
#include <stddef.h>

#include <torito/errno.h>
#include <torito/string.h>

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_INFO_MAX (1u << 20) /* refuse absurd total_size values */

struct pvh_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries, reserved;
};

struct pvh_module {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct pvh_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* Counts one dropped or clipped entry; keeps the first reason. */
static void warn(struct boot_info *bi, const char *why)
{
	if (!bi->warnings++)
		bi->warning = why;
}

/* Copies a NUL-terminated string at paddr, truncating at size - 1. */
static int copy_string(struct boot_info *bi, char *dst, size_t size,
		       uint64_t paddr, phys_map_fn map, void *ctx)
{
	size_t i;

	for (i = 0; i + 1 < size; i++) {
		const char *c = map(ctx, paddr + i, 1);
		if (!c)
			break;
		if (!*c) {
			dst[i] = '\0';
			return 0;
		}
		dst[i] = *c;
	}
	dst[i] = '\0';
	if (i == 0 && !map(ctx, paddr, 1))
		return -EFAULT;
	warn(bi, "a string was truncated or unreadable");
	return 0;
}

static void add_region(struct boot_info *bi, uint64_t base, uint64_t len,
		       uint32_t type)
{
	if (len == 0)
		return; /* harmless (QEMU microvm has one): nothing to keep */
	if (base + len < base) { /* wraps past 2^64: clip */
		len = -base;
		warn(bi, "memory map entry wraps past 2^64");
	}
	if (type < BOOT_MEM_USABLE || type > BOOT_MEM_BAD)
		type = BOOT_MEM_RESERVED;
	if (bi->nmem == BOOT_MEM_MAX) {
		warn(bi, "more memory map entries than supported");
		return;
	}
	bi->mem[bi->nmem++] = (struct boot_mem_region){ base, len, type };
}

static int check_usable(const struct boot_info *bi, const char **why)
{
	if (boot_usable_bytes(bi) == 0) {
		*why = "memory map has no usable RAM";
		return -ENODATA;
	}
	return 0;
}

int bootinfo_parse_pvh(struct boot_info *bi, uint64_t info_paddr,
		       phys_map_fn map, void *ctx, const char **why)
{
	const struct pvh_start_info *si = map(ctx, info_paddr, 32);
	uint32_t i;

	memset(bi, 0, sizeof(*bi));
	bi->path = BOOT_PATH_PVH;
	if (!si) {
		*why = "hvm_start_info is not readable";
		return -EFAULT;
	}
	if (si->magic != PVH_START_MAGIC) {
		*why = "hvm_start_info has a bad magic value";
		return -EINVAL;
	}
	if (si->cmdline_paddr &&
	    copy_string(bi, bi->cmdline, sizeof(bi->cmdline),
			si->cmdline_paddr, map, ctx) < 0) {
		*why = "command line pointer is not readable";
		return -EFAULT;
	}
	bi->rsdp = si->rsdp_paddr;
	for (i = 0; i < si->nr_modules && i < BOOT_MODULES_MAX; i++) {
		const struct pvh_module *m = map(
			ctx, si->modlist_paddr + i * sizeof(*m), sizeof(*m));
		struct boot_module *bm = &bi->modules[bi->nmodules];
		if (!m || m->paddr + m->size < m->paddr) {
			warn(bi, "unreadable or wrapping module entry");
			continue;
		}
		bm->start = m->paddr;
		bm->end = m->paddr + m->size;
		if (m->cmdline_paddr &&
		    copy_string(bi, bm->name, sizeof(bm->name),
				m->cmdline_paddr, map, ctx) < 0)
			warn(bi, "module name pointer unreadable");
		bi->nmodules++;
	}
	if (si->nr_modules > BOOT_MODULES_MAX)
		warn(bi, "more modules than supported");

	if (si->version < 1 || !map(ctx, info_paddr, sizeof(*si))) {
		*why = "hvm_start_info has no memory map (version 0)";
		return -ENODATA;
	}
	for (i = 0; i < si->memmap_entries; i++) {
		const struct pvh_memmap_entry *e =
			map(ctx, si->memmap_paddr + i * sizeof(*e), sizeof(*e));
		if (!e) {
			*why = "memory map pointer is not readable";
			return -EFAULT;
		}
		add_region(bi, e->addr, e->size, e->type);
	}
	return check_usable(bi, why);
}

static void mb2_mmap(struct boot_info *bi, const uint8_t *tag, uint32_t size)
{
	uint32_t esize, off;

	if (size < 16) {
		warn(bi, "short memory map tag");
		return;
	}
	memcpy(&esize, tag + 8, 4);
	if (esize < 24) {
		warn(bi, "memory map entry size too small");
		return;
	}
	for (off = 16; off + esize <= size; off += esize) {
		uint64_t base, len;
		uint32_t type;
		memcpy(&base, tag + off, 8);
		memcpy(&len, tag + off + 8, 8);
		memcpy(&type, tag + off + 16, 4);
		add_region(bi, base, len, type);
	}
}

static void mb2_module(struct boot_info *bi, const uint8_t *tag, uint32_t size)
{
	struct boot_module *m = &bi->modules[bi->nmodules];
	uint32_t start, end;

	if (size < 16 || bi->nmodules == BOOT_MODULES_MAX) {
		warn(bi, "short module tag or too many modules");
		return;
	}
	memcpy(&start, tag + 8, 4);
	memcpy(&end, tag + 12, 4);
	if (end < start) {
		warn(bi, "module ends before it starts");
		return;
	}
	m->start = start;
	m->end = end;
	size_t n = strnlen((const char *)tag + 16, size - 16);
	if (n >= sizeof(m->name)) {
		n = sizeof(m->name) - 1;
		warn(bi, "module name truncated");
	}
	memcpy(m->name, tag + 16, n);
	m->name[n] = '\0';
	bi->nmodules++;
}

static void mb2_cmdline(struct boot_info *bi, const uint8_t *tag, uint32_t size)
{
	size_t n = strnlen((const char *)tag + 8, size - 8);

	if (n >= sizeof(bi->cmdline)) {
		n = sizeof(bi->cmdline) - 1;
		warn(bi, "command line truncated");
	}
	memcpy(bi->cmdline, tag + 8, n);
	bi->cmdline[n] = '\0';
}

int bootinfo_parse_mb2(struct boot_info *bi, uint64_t info_paddr,
		       phys_map_fn map, void *ctx, const char **why)
{
	const uint32_t *hdr = map(ctx, info_paddr, 8);
	const uint8_t *info;
	uint32_t total, off;
	bool have_mmap = false;

	memset(bi, 0, sizeof(*bi));
	bi->path = BOOT_PATH_MULTIBOOT2;
	if (!hdr) {
		*why = "multiboot2 information is not readable";
		return -EFAULT;
	}
	total = hdr[0];
	if (total < 16 || total > MB2_INFO_MAX) {
		*why = "multiboot2 information has an impossible size";
		return -EINVAL;
	}
	info = map(ctx, info_paddr, total);
	if (!info) {
		*why = "multiboot2 information is not readable";
		return -EFAULT;
	}
	for (off = 8; off + 8 <= total;) {
		uint32_t type, size;
		memcpy(&type, info + off, 4);
		memcpy(&size, info + off + 4, 4);
		if (type == MB2_TAG_END)
			break;
		if (size < 8 || size > total - off) {
			*why = "multiboot2 tag runs past the information";
			return -EINVAL;
		}
		switch (type) {
		case MB2_TAG_CMDLINE:
			mb2_cmdline(bi, info + off, size);
			break;
		case MB2_TAG_MODULE:
			mb2_module(bi, info + off, size);
			break;
		case MB2_TAG_MMAP:
			mb2_mmap(bi, info + off, size);
			have_mmap = true;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			if (!bi->rsdp || type == MB2_TAG_ACPI_NEW)
				bi->rsdp = info_paddr + off + 8;
			break;
		}
		off += ALIGN_UP(size, 8u);
	}
	if (!have_mmap) {
		*why = "multiboot2 information has no memory map";
		return -ENODATA;
	}
	return check_usable(bi, why);
}
