/*
 * svm_vmrun_addr: what VMRUN, VMLOAD and VMSAVE do with the physical
 * address in rAX and with VM_HSAVE_PA (nsvm-behaviours.md §7 items 3-5,
 * §2.1, §8 item 4):
 *   hsave0     VMRUN with VM_HSAVE_PA = 0: #GP(0), RIP not advanced, vmcb12
 *              untouched. KVM's rule (the APM leaves it open), which
 *              govmm's L0 follows.                          item 3
 *   nonram_*   rAX = 0xe0000000 (no RAM, no device): VMRUN, VMLOAD and
 *              VMSAVE raise #GP(0) at the instruction (newest KVM).  item 4
 *   unaligned  rAX = vmcb12 + 0x123: #GP(0) at the VMRUN, vmcb12 untouched
 *              (AMD APM vol. 3, VMRUN: #GP when rAX is not 4-KiB aligned;
 *              KVM instead ignores bits 11:0 of an intercepted L1 VMRUN,
 *              item 5, but the processor checks before the intercept).
 */
#include "svm.h"

static struct vmcb vmcb;

extern char l2_vmmcall[];
__asm__(".pushsection .text\n"
	"l2_vmmcall:\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");


static void gp_at(const char *name, int vec, char *insn)
{
	char n[40];
	int k = 0;
	while (name[k])
		n[k] = name[k], k++;
	check(name, (uint32_t)vec, VEC_GP);
	memcpy(n + k, "_err", 5);
	check(n, vec == VEC_GP ? probe_err : 0xffffffff, 0);
	memcpy(n + k, "_rip", 5);
	check(n, vec == VEC_GP ? probe_eip : 0, (uint32_t)insn);
}

int main(void)
{
	svm_init("svm_vmrun_addr");
	svm_enable();
	uint64_t hsave = rdmsr(MSR_VM_HSAVE_PA);

	svm_vmcb_init(&vmcb, (void (*)(void))l2_vmmcall);
	wrmsr(MSR_VM_HSAVE_PA, 0);
	int vec = svm_probe(do_vmrun, (uint32_t)&vmcb);
	stgi();
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	gp_at("hsave0_vmrun", vec, do_vmrun_insn);
	check("hsave0_vmcb_untouched", vmcb.control.exitcode, 0);

	vec = svm_probe(do_vmrun, 0xe0000000);
	stgi();
	gp_at("nonram_vmrun", vec, do_vmrun_insn);
	vec = svm_probe(do_vmload, 0xe0000000);
	gp_at("nonram_vmload", vec, do_vmload_insn);
	vec = svm_probe(do_vmsave, 0xe0000000);
	gp_at("nonram_vmsave", vec, do_vmsave_insn);

	svm_vmcb_init(&vmcb, (void (*)(void))l2_vmmcall);
	vec = svm_probe(do_vmrun, (uint32_t)&vmcb + 0x123);
	stgi();
	gp_at("unaligned_vmrun", vec, do_vmrun_insn);
	check("unaligned_vmcb_untouched", vmcb.control.exitcode, 0);
	return svm_result();
}
