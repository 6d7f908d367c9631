/*
 * Host unit tests for the boot-record parsers: well-formed PVH and
 * multiboot2 records, and crafted bad ones (bad magic, pointers outside
 * memory, tags that overrun, maps with holes, overlaps, zero-length and
 * wrapping entries, too many entries). Physical memory is a test buffer.
 */
#include <stdint.h>
#include <string.h>

#include <torito/boot.h>
#include <torito/errno.h>

#include "kernel/boot/bootinfo_parse.h"
#include "testing/unit/check.h"

#define MEM_SIZE 65536
static uint8_t mem[MEM_SIZE];

static const void *test_map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa >= MEM_SIZE || len > MEM_SIZE - pa)
		return NULL;
	return mem + pa;
}

struct pvh {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist, cmdline, rsdp, memmap;
	uint32_t memmap_entries, reserved;
};

struct e820 {
	uint64_t addr, size;
	uint32_t type, reserved;
};

static void put_pvh(uint32_t nentries, const struct e820 *e)
{
	struct pvh si = { .magic = PVH_START_MAGIC, .version = 1,
			  .cmdline = 0x1000, .rsdp = 0xe0000,
			  .memmap = 0x2000, .memmap_entries = nentries };
	memset(mem, 0, sizeof(mem));
	memcpy(mem + 0x100, &si, sizeof(si));
	strcpy((char *)mem + 0x1000, "ip=10.0.0.2 verbose port=8080");
	memcpy(mem + 0x2000, e, nentries * sizeof(*e));
}

static void test_pvh(void)
{
	struct e820 map[] = {
		{ 0, 0x9fc00, 1, 0 },
		{ 0x100000, 0x7f00000, 1, 0 },
		{ 0xfeffc000, 0x4000, 2, 0 },
	};
	struct boot_info bi;
	const char *why = NULL;
	char val[32];

	put_pvh(3, map);
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), 0);
	CHECK_EQ(bi.path, BOOT_PATH_PVH);
	CHECK_STR(bi.cmdline, "ip=10.0.0.2 verbose port=8080");
	CHECK_EQ(bi.nmem, 3);
	CHECK_EQ(boot_usable_bytes(&bi), 0x9fc00 + 0x7f00000);
	CHECK_EQ(bi.rsdp, 0xe0000);
	CHECK_EQ(bi.warnings, 0);
	CHECK(boot_cmdline_get(&bi, "ip", val, sizeof(val)));
	CHECK_STR(val, "10.0.0.2");
	CHECK(boot_cmdline_get(&bi, "verbose", val, sizeof(val)));
	CHECK_STR(val, "");
	CHECK(boot_cmdline_get(&bi, "port", val, sizeof(val)));
	CHECK_STR(val, "8080");
	CHECK(!boot_cmdline_get(&bi, "p", val, sizeof(val)));
	CHECK(!boot_cmdline_get(&bi, "ip", val, 4)); /* does not fit */
	CHECK_STR(boot_path_name(bi.path), "pvh");
}

static void test_pvh_bad(void)
{
	struct e820 holes[] = {
		{ 0x100000, 0x100000, 1, 0 },
		{ 0x180000, 0x100000, 1, 0 }, /* overlaps the first */
		{ 0x400000, 0, 1, 0 },	      /* zero length */
		{ 0xfffffffffffff000ull, 0x2000, 1, 0 }, /* wraps */
		{ 0x500000, 0x1000, 99, 0 },  /* unknown type: reserved */
	};
	struct e820 none[] = { { 0x100000, 0x100000, 2, 0 } };
	struct e820 many[BOOT_MEM_MAX + 5];
	struct boot_info bi;
	const char *why = NULL;

	put_pvh(5, holes);
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), 0);
	CHECK_EQ(bi.nmem, 4);
	CHECK_EQ(bi.warnings, 1); /* the wrap; length 0 is skipped silently */
	CHECK_STR(bi.warning, "memory map entry wraps past 2^64");
	CHECK_EQ(boot_usable_bytes(&bi), 0x180000 + 0x1000);
	CHECK_EQ(bi.mem[3].type, BOOT_MEM_RESERVED);

	for (unsigned int i = 0; i < BOOT_MEM_MAX + 5; i++)
		many[i] = (struct e820){ 0x100000ull * (i + 1), 0x1000, 1, 0 };
	put_pvh(BOOT_MEM_MAX + 5, many);
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), 0);
	CHECK_EQ(bi.nmem, BOOT_MEM_MAX);
	CHECK_EQ(bi.warnings, 5);

	put_pvh(1, none);
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), -ENODATA);
	CHECK_STR(why, "memory map has no usable RAM");

	put_pvh(1, none);
	mem[0x100] ^= 1;
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), -EINVAL);

	CHECK_EQ(bootinfo_parse_pvh(&bi, MEM_SIZE - 4, test_map, NULL, &why),
		 -EFAULT);

	put_pvh(1, none);
	((struct pvh *)(mem + 0x100))->memmap = MEM_SIZE - 8;
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), -EFAULT);
	CHECK_STR(why, "memory map pointer is not readable");

	put_pvh(1, none);
	((struct pvh *)(mem + 0x100))->version = 0;
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), -ENODATA);

	/* A command line running into the end of memory is truncated. */
	put_pvh(1, holes);
	((struct pvh *)(mem + 0x100))->cmdline = MEM_SIZE - 3;
	memset(mem + MEM_SIZE - 3, 'x', 3);
	CHECK_EQ(bootinfo_parse_pvh(&bi, 0x100, test_map, NULL, &why), 0);
	CHECK_STR(bi.cmdline, "xxx");
	CHECK_EQ(bi.warnings, 1);
}

/* Multiboot2 builder. */
static uint32_t mb2_off;

static void mb2_tag(uint32_t type, const void *body, uint32_t len)
{
	uint32_t size = 8 + len;
	memcpy(mem + 0x200 + mb2_off, &type, 4);
	memcpy(mem + 0x200 + mb2_off + 4, &size, 4);
	memcpy(mem + 0x200 + mb2_off + 8, body, len);
	mb2_off += (size + 7) & ~7u;
}

static void mb2_begin(void)
{
	memset(mem, 0, sizeof(mem));
	mb2_off = 8;
}

static void mb2_end(void)
{
	mb2_tag(0, NULL, 0);
	memcpy(mem + 0x200, &mb2_off, 4);
}

static void mb2_mmap(const struct e820 *e, uint32_t n)
{
	uint8_t body[8 + 24 * 8];
	uint32_t esize = 24, ver = 0;
	memcpy(body, &esize, 4);
	memcpy(body + 4, &ver, 4);
	for (uint32_t i = 0; i < n; i++)
		memcpy(body + 8 + 24 * i, &e[i], 24);
	mb2_tag(6, body, 8 + 24 * n);
}

static void test_mb2(void)
{
	struct e820 map[] = { { 0, 0x9fc00, 1, 0 },
			      { 0x100000, 0x1000000, 1, 0 } };
	uint8_t mod[8 + 6];
	uint32_t s = 0x300000, e = 0x301000;
	uint8_t rsdp[20] = "RSD PTR ";
	struct boot_info bi;
	const char *why = NULL;

	memcpy(mod, &s, 4);
	memcpy(mod + 4, &e, 4);
	memcpy(mod + 8, "disk1", 6);
	mb2_begin();
	mb2_tag(1, "console=ttyS0", 14);
	mb2_tag(3, mod, sizeof(mod));
	mb2_tag(14, rsdp, sizeof(rsdp));
	mb2_mmap(map, 2);
	mb2_end();
	CHECK_EQ(bootinfo_parse_mb2(&bi, 0x200, test_map, NULL, &why), 0);
	CHECK_EQ(bi.path, BOOT_PATH_MULTIBOOT2);
	CHECK_STR(bi.cmdline, "console=ttyS0");
	CHECK_EQ(bi.nmodules, 1);
	CHECK_EQ(bi.modules[0].start, 0x300000);
	CHECK_EQ(bi.modules[0].end, 0x301000);
	CHECK_STR(bi.modules[0].name, "disk1");
	CHECK(bi.rsdp != 0 && memcmp(mem + bi.rsdp, "RSD PTR ", 8) == 0);
	CHECK_EQ(boot_usable_bytes(&bi), 0x9fc00 + 0x1000000);
	CHECK_STR(boot_path_name(bi.path), "multiboot2");
}

static void test_mb2_bad(void)
{
	struct e820 map[] = { { 0x100000, 0x1000000, 1, 0 } };
	struct boot_info bi;
	const char *why = NULL;
	uint32_t v;

	/* No memory map. */
	mb2_begin();
	mb2_tag(1, "x", 2);
	mb2_end();
	CHECK_EQ(bootinfo_parse_mb2(&bi, 0x200, test_map, NULL, &why), -ENODATA);

	/* A tag whose size runs past total_size. */
	mb2_begin();
	mb2_mmap(map, 1);
	mb2_end();
	v = 4096;
	memcpy(mem + 0x200 + 12, &v, 4);
	CHECK_EQ(bootinfo_parse_mb2(&bi, 0x200, test_map, NULL, &why), -EINVAL);
	CHECK_STR(why, "multiboot2 tag runs past the information");

	/* A tag of size < 8 would loop forever if trusted. */
	mb2_begin();
	mb2_mmap(map, 1);
	mb2_end();
	v = 0;
	memcpy(mem + 0x200 + 12, &v, 4);
	CHECK_EQ(bootinfo_parse_mb2(&bi, 0x200, test_map, NULL, &why), -EINVAL);

	/* Impossible total sizes, and information outside memory. */
	mb2_begin();
	v = 0xffffffffu;
	memcpy(mem + 0x200, &v, 4);
	CHECK_EQ(bootinfo_parse_mb2(&bi, 0x200, test_map, NULL, &why), -EINVAL);
	CHECK_EQ(bootinfo_parse_mb2(&bi, MEM_SIZE + 1, test_map, NULL, &why),
		 -EFAULT);

	/* Unterminated command line and a module ending before it starts. */
	mb2_begin();
	{
		uint8_t mod[8] = { 0x10, 0, 0, 0, 0x01, 0, 0, 0 };
		char longline[BOOT_CMDLINE_MAX + 10];
		memset(longline, 'a', sizeof(longline));
		mb2_tag(1, longline, sizeof(longline));
		mb2_tag(3, mod, sizeof(mod));
	}
	mb2_mmap(map, 1);
	mb2_end();
	CHECK_EQ(bootinfo_parse_mb2(&bi, 0x200, test_map, NULL, &why), 0);
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK_EQ(bi.nmodules, 0);
	CHECK_EQ(bi.warnings, 2);
}

int main(void)
{
	test_pvh();
	test_pvh_bad();
	test_mb2();
	test_mb2_bad();
	return check_done();
}
