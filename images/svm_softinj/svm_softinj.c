/*
 * svm_softinj: soft events L1 injects into L2 must survive exits L0 takes
 * while delivering them, invisibly to L1 — the scenario of KVM's selftest
 * svm_nested_soft_inject_test (nsvm-behaviours.md §6.1, §7 items 40, 41;
 * §5.6). Under govmm every nested VMRUN starts L2 with an empty shadow
 * page table, so delivering the injected event (IDT, stack, handler)
 * takes L0-only #PF exits; L0 must re-inject the event with the next_rip
 * L1 gave, since there is no instruction to decode.
 *
 * Step 1 (item 40): EVENTINJ = INTn (TYPE 4) vector 0x20 with next_rip =
 *   L2's entry point. The 0x20 handler runs once, sees the entry point as
 *   its return address and IRETs there; L2 executes VMMCALL.
 * Step 2 (item 41): L1 moves RIP past the VMMCALL onto a UD2, points L2's
 *   IDTR at a fresh copy of the IDT (clean bits 0), and injects #BP as
 *   TYPE 3 with next_rip = RIP+2 (past the UD2). The #BP handler runs once
 *   and returns past the UD2 to a HLT, which L1 intercepts. Retrying
 *   instead of re-injecting would run the UD2 (#VMEXIT(#UD), which L1
 *   intercepts); a double delivery shows as a count of 2.
 * Without NRIPS the CPU pushes RIP for injected soft events, so L1 moves
 * RIP itself (to the entry point, or past the UD2) and the same lines hold.
 *   stepN_exit, stepN_rip       the exit L1 sees and L2's RIP there;
 *   stepN_count, stepN_ret_eip  handler runs and its return address.
 */
#include "svm.h"

static struct vmcb vmcb;
static uint64_t alt_idt[256] __attribute__((aligned(4096)));

/* l2_entry: vmmcall; ud2; hlt */
extern char l2_entry[], l2_ud2[], l2_hlt[];
__asm__(".pushsection .text\n"
	"l2_entry:\n"
	"vmmcall\n"
	"l2_ud2:\n"
	"ud2\n"
	"l2_hlt:\n"
	"hlt\n"
	"ud2\n"
	".popsection\n");

int main(void)
{
	svm_init("svm_softinj");
	svm_enable();
	int nrips = HAS(SVM_FEAT_NRIPS);
	svm_vmcb_init(&vmcb, (void (*)(void))l2_entry);
	vmcb_intercept(&vmcb, INTERCEPT_EXC + VEC_UD);
	vmcb_intercept(&vmcb, INTERCEPT_EXC + VEC_PF);
	vmcb_intercept(&vmcb, INTERCEPT_NMI);
	vmcb_intercept(&vmcb, INTERCEPT_HLT);
	vmcb_intercept(&vmcb, INTERCEPT_SHUTDOWN);
	l2_mode[0x20] = L2_IRET;
	l2_mode[VEC_BP] = L2_IRET;

	/* Step 1 */
	vmcb.control.event_inj = EV_VALID | EV_TYPE_SOFT | 0x20;
	vmcb.control.next_rip = (uint32_t)l2_entry;
	svm_run(&vmcb);
	check("step1_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("step1_rip", vmcb.save.rip, (uint32_t)l2_entry);
	check("step1_count", l2_count[0x20], 1);
	check("step1_ret_eip", l2_exc.frame[0], (uint32_t)l2_entry);

	/* Step 2 */
	for (int i = 0; i < 256; i++)
		alt_idt[i] = l2_idt[i];
	vmcb.save.rip += 3;
	vmcb.save.idtr.base = (uint32_t)alt_idt;
	vmcb.control.clean = 0;
	vmcb.control.event_inj = EV_VALID | EV_TYPE_EXC | VEC_BP;
	if (nrips)
		vmcb.control.next_rip = vmcb.save.rip + 2;
	else
		vmcb.save.rip += 2;
	svm_run(&vmcb);
	check("step2_exit", vmcb.control.exitcode, EXIT_HLT);
	check("step2_rip", vmcb.save.rip, (uint32_t)l2_hlt);
	check("step2_count", l2_count[VEC_BP], 1);
	check("step2_ret_eip", l2_exc.frame[0], (uint32_t)l2_hlt);
	check("step2_no_ud", l2_count[VEC_UD], 0);
	check("step1_count_still", l2_count[0x20], 1);
	return svm_result();
}
