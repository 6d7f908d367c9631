/*
 * Queries on the boot record (struct boot_info): names, usable RAM and
 * command-line lookup. Portable: built on the host for unit tests.
 */
#include <stdbool.h>
#include <stddef.h>

#include <torito/boot.h>
#include <torito/string.h>

const char *boot_path_name(enum boot_path path)
{
	switch (path) {
	case BOOT_PATH_PVH: return "pvh";
	case BOOT_PATH_MULTIBOOT2: return "multiboot2";
	}
	return "unknown";
}

const char *hypervisor_name(enum hypervisor hv)
{
	switch (hv) {
	case HYPERVISOR_NONE: return "none";
	case HYPERVISOR_KVM: return "KVM";
	case HYPERVISOR_XEN: return "Xen";
	case HYPERVISOR_HYPERV: return "Hyper-V";
	case HYPERVISOR_VMWARE: return "VMware";
	case HYPERVISOR_TCG: return "QEMU TCG";
	case HYPERVISOR_OTHER: return "other";
	}
	return "unknown";
}

/*
 * Union of the usable regions: sort a copy by base (insertion sort, at most
 * BOOT_MEM_MAX entries) and sweep, so overlapping entries count once.
 */
uint64_t boot_usable_bytes(const struct boot_info *bi)
{
	struct boot_mem_region r[BOOT_MEM_MAX];
	unsigned int n = 0, i, j;
	uint64_t total = 0, next = 0; /* next: first byte not yet counted */
	bool full = false;	       /* counted up to 2^64 - 1 */

	for (i = 0; i < bi->nmem && i < BOOT_MEM_MAX; i++) {
		if (bi->mem[i].type != BOOT_MEM_USABLE || bi->mem[i].len == 0)
			continue;
		for (j = n; j > 0 && r[j - 1].base > bi->mem[i].base; j--)
			r[j] = r[j - 1];
		r[j] = bi->mem[i];
		n++;
	}
	/* Inclusive ends, so a region reaching 2^64 - 1 does not wrap. */
	for (i = 0; i < n && !full; i++) {
		uint64_t b = r[i].base, last = r[i].base + (r[i].len - 1);
		if (last < b)
			last = UINT64_MAX;
		if (b < next)
			b = next;
		if (last >= b) {
			total += last - b + 1;
			if (last == UINT64_MAX)
				full = true;
			next = last + 1;
		}
	}
	return total;
}

bool boot_cmdline_get(const struct boot_info *bi, const char *key, char *buf,
		      unsigned int size)
{
	size_t klen = strlen(key);
	const char *p = bi->cmdline;

	while (*p) {
		const char *w = p, *v;
		size_t wlen;
		while (*p && *p != ' ')
			p++;
		wlen = (size_t)(p - w);
		while (*p == ' ')
			p++;
		if (wlen < klen || strncmp(w, key, klen) != 0)
			continue;
		if (wlen == klen) {
			v = w + wlen;
		} else if (w[klen] == '=') {
			v = w + klen + 1;
		} else {
			continue;
		}
		size_t vlen = (size_t)(w + wlen - v);
		if (vlen + 1 > size)
			return false;
		memcpy(buf, v, vlen);
		buf[vlen] = '\0';
		return true;
	}
	return false;
}
