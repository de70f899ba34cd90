/*
 * svm_vmrun_tf: L1 executes VMRUN with RFLAGS.TF = 1 (nsvm-behaviours.md
 * §7 item 72, §3 step 14). VMRUN counts as one instruction: L2 runs with
 * its own RFLAGS (TF = 0, no #DB in L2), and after the #VMEXIT L1 takes
 * the single-step #DB on the instruction after VMRUN (DR6.BS set).
 *
 *   tf_exit          L2 reached its VMMCALL;
 *   tf_l1_db_count   L1 took exactly one #DB;
 *   tf_l1_db_eip     ... whose return EIP is the instruction after VMRUN;
 *   tf_l1_dr6_bs     ... with DR6.BS (bit 14) set;
 *   tf_l2_no_db      L2 took no #DB;
 *   tf_l2_rflags_tf  L2's RFLAGS at the exit has TF clear.
 */
#include "svm.h"

static struct vmcb vmcb;

extern char l2_code[], vmrun_tf_next[];
__asm__(".pushsection .text\n"
	"l2_code:\n"
	"nop\n"
	"nop\n"
	"vmmcall\n"
	"ud2\n"
	/* void vmrun_tf(struct vmcb *): VMRUN with TF set by the POPF before it. */
	"vmrun_tf:\n"
	"push %ebp\n"
	"push %ebx\n"
	"push %esi\n"
	"push %edi\n"
	"mov 20(%esp), %eax\n"
	"pushf\n"
	"orl $0x100, (%esp)\n"
	"popf\n"
	"vmrun\n"
	"vmrun_tf_next:\n"
	"pushf\n"
	"andl $~0x100, (%esp)\n"
	"popf\n"
	"pop %edi\n"
	"pop %esi\n"
	"pop %ebx\n"
	"pop %ebp\n"
	"ret\n"
	".popsection\n");
void vmrun_tf(struct vmcb *v);

int main(void)
{
	svm_init("svm_vmrun_tf");
	svm_enable();
	svm_vmcb_init(&vmcb, (void (*)(void))l2_code);
	__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0u));
	l1_exc_expect = VEC_DB;
	vmrun_tf(&vmcb);
	stgi();
	l1_exc_expect = -1;
	check("tf_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("tf_l1_db_count", l1_intr_count[VEC_DB], 1);
	check("tf_l1_db_eip", l1_exc_eip, (uint32_t)vmrun_tf_next);
	check("tf_l1_dr6_bs", (l1_exc_dr6 >> 14) & 1, 1);
	check("tf_l2_no_db", l2_count[VEC_DB], 0);
	check("tf_l2_rflags_tf", vmcb.save.rflags & RFLAGS_TF, 0);
	return svm_result();
}
