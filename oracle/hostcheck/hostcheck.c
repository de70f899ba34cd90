/*
 * hostcheck: replays the table-driven cases of a govmm ISA image (the
 * CASES lines, see images/lib/isa.S) on the host CPU, in 64-bit Linux user
 * space, and prints them in the image's own format. Diffing that against
 * the image's .expected file (lines with " fi=") shows where the QEMU
 * golden output disagrees with real silicon:
 *
 *   gcc -O1 -o /tmp/hostcheck oracle/hostcheck/hostcheck.c oracle/hostcheck/tramp.S
 *   /tmp/hostcheck images/isa_shift/isa_shift.elf > /tmp/host.txt
 *   grep ' fi=' images/isa_shift/isa_shift.expected | diff - /tmp/host.txt
 *
 * It is a developer tool, not a test: stubs whose bytes mean something
 * else in 64-bit mode (INC/DEC 40-4F, PUSHA, BCD, segment loads) give
 * wrong lines here, and a host with another vendor's CPU may differ in
 * behaviour the APM leaves to the implementation. It maps the image at its
 * link address (1 MiB), so vm.mmap_min_addr must allow that (default 64K).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void hc_call(uint64_t stub, uint32_t regs[7]);

static uint8_t *img;
static sigjmp_buf crash;

static void oncrash(int sig)
{
	siglongjmp(crash, sig);
}
static long imglen;

static void die(const char *msg)
{
	fprintf(stderr, "hostcheck: %s\n", msg);
	exit(1);
}

static uint32_t rd32(uint32_t addr) { return *(uint32_t *)(uintptr_t)addr; }

enum { P_NAME, P_STUB, P_W, P_MASK, P_A, P_B, P_C, P_F, P_OPTS, P_CW, P_RW };
enum { OPT_FROT = 1, OPT_OUTB = 2, OPT_OUTC = 4, OPT_NOA = 8, OPT_FILLC = 16, OPT_ZIP = 32 };

/* call runs one stub; it returns the signal the stub raised, or 0. */
static int call(uint32_t stub, uint32_t regs[7])
{
	int sig = sigsetjmp(crash, 1);
	if (sig)
		return sig;
	hc_call(stub, regs);
	return 0;
}

static uint32_t count(uint32_t tab) { return tab ? rd32(tab) : 1; }
static uint32_t val(uint32_t tab, uint32_t i) { return tab ? rd32(tab + 4 + 4 * i) : 0; }

static uint32_t fill(uint32_t v, uint32_t w, uint32_t pat)
{
	uint32_t m = w == 1 ? 0xff : w == 2 ? 0xffff : 0xffffffff;
	return (v & m) | (pat & ~m);
}

static void hexw(uint32_t v, uint32_t w)
{
	printf("%0*x", (int)(2 * w), w == 4 ? v : v & ((1u << (8 * w)) - 1));
}

static void run(uint32_t p, uint32_t cell)
{
	uint32_t P[11];
	for (int i = 0; i < 11; i++)
		P[i] = rd32(p + 4 * i);
	int zip = P[P_OPTS] & OPT_ZIP;
	uint32_t na = count(P[P_A]), nb = zip ? 1 : count(P[P_B]), nc = zip ? 1 : count(P[P_C]);
	uint32_t nfall = count(P[P_F]), nf = (P[P_OPTS] & OPT_FROT) ? 1 : nfall;
	uint32_t fr = 0;
	for (uint32_t ia = 0; ia < na; ia++)
	for (uint32_t ib = 0; ib < nb; ib++)
	for (uint32_t ic = 0; ic < nc; ic++)
	for (uint32_t jf = 0; jf < nf; jf++) {
		uint32_t fi = val(P[P_F], (P[P_OPTS] & OPT_FROT) ? fr : jf);
		uint32_t a = val(P[P_A], ia), b = val(P[P_B], zip ? ia : ib), c = val(P[P_C], zip ? ia : ic);
		for (int i = 0; i < 4; i++)
			*(uint32_t *)(uintptr_t)(cell + 4 * i) = 0xc3c3c3c3;
		uint32_t r[7];
		r[0] = fill(a, P[P_W], 0xa5a5a5a5);
		r[1] = fill(b, P[P_W], 0x3c3c3c3c);
		r[2] = (P[P_OPTS] & OPT_FILLC) ? fill(c, P[P_CW], 0xc3c3c3c3) : c;
		r[3] = fi;
		r[4] = cell;
		r[5] = r[6] = 0x5eb05eb0;
		int sig = call(P[P_STUB], r);
		if (sig) {
			/* The stub means something else in 64-bit mode. */
			printf("%s: signal %d in the stub on the host\n",
			       (char *)(uintptr_t)P[P_NAME], sig);
			if (++fr == nfall)
				fr = 0;
			continue;
		}
		printf("%s", (char *)(uintptr_t)P[P_NAME]);
		if (P[P_A]) { putchar(' '); hexw(a, P[P_W]); }
		if (P[P_B]) { putchar(' '); hexw(b, P[P_W]); }
		if (P[P_C]) { putchar(' '); hexw(c, P[P_CW]); }
		printf(" fi=%04x ->", fi & 0x8d5);
		if (!(P[P_OPTS] & OPT_NOA)) { putchar(' '); hexw(r[0], P[P_RW]); }
		if (P[P_OPTS] & OPT_OUTB) printf(" %08x", r[1]);
		if (P[P_OPTS] & OPT_OUTC) printf(" %08x", r[2]);
		printf(" fo=%04x\n", r[3] & P[P_MASK] & 0xffff);
		if (++fr == nfall)
			fr = 0;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: hostcheck IMAGE.elf");
	setvbuf(stdout, NULL, _IOLBF, 0);
	static char altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	sigaltstack(&ss, NULL);
	struct sigaction sa = {.sa_handler = oncrash, .sa_flags = SA_ONSTACK | SA_NODEFER};
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		die("cannot open image");
	fseek(f, 0, SEEK_END);
	imglen = ftell(f);
	rewind(f);
	img = malloc(imglen);
	if (fread(img, 1, imglen, f) != (size_t)imglen)
		die("short read");
	fclose(f);
	Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS32)
		die("not an ELF32 image");
	Elf32_Phdr *ph = (Elf32_Phdr *)(img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		uint32_t lo = ph[i].p_vaddr & ~0xfffu;
		uint32_t hi = (ph[i].p_vaddr + ph[i].p_memsz + 0xfff) & ~0xfffu;
		void *m = mmap((void *)(uintptr_t)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (m == MAP_FAILED)
			die("cannot map the image at its link address");
		memcpy((void *)(uintptr_t)ph[i].p_vaddr, img + ph[i].p_offset, ph[i].p_filesz);
	}
	Elf32_Shdr *sh = (Elf32_Shdr *)(img + eh->e_shoff);
	const char *shstr = (const char *)img + sh[eh->e_shstrndx].sh_offset;
	uint32_t cases = 0, ncases = 0, cell = 0;
	for (int i = 0; i < eh->e_shnum; i++) {
		const char *n = shstr + sh[i].sh_name;
		if (!strcmp(n, ".isa_cases")) {
			cases = sh[i].sh_addr;
			ncases = sh[i].sh_size / 4;
		}
		if (sh[i].sh_type == SHT_SYMTAB) {
			Elf32_Sym *sym = (Elf32_Sym *)(img + sh[i].sh_offset);
			const char *str = (const char *)img + sh[sh[i].sh_link].sh_offset;
			for (uint32_t j = 0; j < sh[i].sh_size / sizeof(Elf32_Sym); j++)
				if (!strcmp(str + sym[j].st_name, "isa_cell"))
					cell = sym[j].st_value;
		}
	}
	if (!cases || !cell)
		die("no .isa_cases section or isa_cell symbol: not an ISA image");
	for (uint32_t i = 0; i < ncases; i++)
		run(rd32(cases + 4 * i), cell);
	return 0;
}
