/*
 * svm_perm: permission checks of the SVM instructions executed by L1
 * (nsvm-behaviours.md §7 items 1 and 2, §2.1; AMD APM vol. 3, VMRUN,
 * VMLOAD, VMSAVE, STGI, CLGI, VMMCALL).
 *
 *   nosvme_*  EFER.SVME = 0: VMRUN, VMLOAD, VMSAVE raise #UD (RIP not
 *             advanced). STGI and CLGI raise #UD unless SVM-Lock
 *             (8000_000Ah EDX[2]) or SKINIT (8000_0001h ECX[12]) is
 *             advertised, in which case they are legal.
 *   vmmcall_* VMMCALL executed by the host (never intercepted) is #UD,
 *             with EFER.SVME 0 and 1.
 *   cpl0_*    EFER.SVME = 1, CPL 0: VMLOAD, VMSAVE, STGI, CLGI complete.
 *   cpl3_*    EFER.SVME = 1, CPL 3: all five raise #GP(0) at the
 *             instruction.
 *   again_*   after EFER.SVME is cleared again, VMRUN is #UD.
 *
 * Lines: "PASS name" / "FAIL name got X want Y"; for a probe X and Y are
 * exception vectors (ffffffff: none).
 */
#include "svm.h"

static struct vmcb vmcb, vmcb_ls;

extern char l2_vmmcall[];
__asm__(".pushsection .text\n"
	"l2_vmmcall:\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

extern char l1_vmmcall_insn[];
static void do_vmmcall(uint32_t unused)
{
	(void)unused;
	__asm__ volatile("l1_vmmcall_insn: vmmcall" ::: "memory");
}

#define NONE 0xffffffffu

/* expect runs fn(arg) at CPL 0 (user=0) or 3 and checks the exception. */
static void expect(const char *name, int user, void (*fn)(uint32_t), uint32_t arg, uint32_t vec, const char *insn)
{
	char buf[64];
	int got = user ? svm_probe_user(fn, arg) : svm_probe(fn, arg);
	check(name, (uint32_t)got, vec);
	if (vec != NONE && (uint32_t)got == vec) {
		int n = 0;
		while (name[n]) {
			buf[n] = name[n];
			n++;
		}
		memcpy(buf + n, "_rip", 5);
		check(buf, probe_eip, (uint32_t)insn);
		if (vec == VEC_GP) {
			memcpy(buf + n, "_err", 5);
			check(buf, probe_err, 0);
		}
	}
}

int main(void)
{
	uint32_t a, b, c, d;
	svm_init("svm_perm");
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	int skinit = (c >> 12) & 1;
	int svml = (svm_feat >> 2) & 1;
	uint32_t gi = (skinit || svml) ? NONE : VEC_UD;
	note("stgi/clgi legal without SVME: %d\n", gi == NONE);

	svm_vmcb_init(&vmcb, (void (*)(void))l2_vmmcall);
	/* L1's own FS, GS, TR, LDTR: what a VMLOAD that wrongly completes loads. */
	svm_vmcb_init(&vmcb_ls, (void (*)(void))l2_vmmcall);
	uint32_t pa = (uint32_t)&vmcb, ls = (uint32_t)&vmcb_ls;

	/* EFER.SVME = 0 */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_SVME);
	expect("nosvme_vmrun", 0, do_vmrun, pa, VEC_UD, do_vmrun_insn);
	expect("nosvme_vmload", 0, do_vmload, ls, VEC_UD, do_vmload_insn);
	expect("nosvme_vmsave", 0, do_vmsave, ls, VEC_UD, do_vmsave_insn);
	expect("nosvme_stgi", 0, do_stgi, 0, gi, do_stgi_insn);
	expect("nosvme_clgi", 0, do_clgi, 0, gi, do_clgi_insn);
	if (gi == NONE)
		stgi();
	expect("nosvme_vmmcall", 0, do_vmmcall, 0, VEC_UD, l1_vmmcall_insn);
	check("nosvme_vmcb_untouched", vmcb.control.exitcode, 0);

	/* EFER.SVME = 1 */
	svm_enable();
	expect("cpl0_vmsave", 0, do_vmsave, ls, NONE, 0);
	expect("cpl0_vmload", 0, do_vmload, ls, NONE, 0);
	expect("cpl0_clgi", 0, do_clgi, 0, NONE, 0);
	expect("cpl0_stgi", 0, do_stgi, 0, NONE, 0);
	expect("vmmcall_svme", 0, do_vmmcall, 0, VEC_UD, l1_vmmcall_insn);
	expect("cpl3_vmrun", 1, do_vmrun, pa, VEC_GP, do_vmrun_insn);
	expect("cpl3_vmload", 1, do_vmload, ls, VEC_GP, do_vmload_insn);
	expect("cpl3_vmsave", 1, do_vmsave, ls, VEC_GP, do_vmsave_insn);
	expect("cpl3_stgi", 1, do_stgi, 0, VEC_GP, do_stgi_insn);
	expect("cpl3_clgi", 1, do_clgi, 0, VEC_GP, do_clgi_insn);
	check("cpl3_vmcb_untouched", vmcb.control.exitcode, 0);

	/* A VMRUN that works, then SVME cleared again. */
	svm_run(&vmcb);
	check("cpl0_vmrun_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_SVME);
	vmcb.control.exitcode = 0;
	expect("again_nosvme_vmrun", 0, do_vmrun, pa, VEC_UD, do_vmrun_insn);
	check("again_vmcb_untouched", vmcb.control.exitcode, 0);
	return svm_result();
}
