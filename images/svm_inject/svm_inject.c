/*
 * svm_inject: events L1 injects into L2 with EVENTINJ, delivered by VMRUN
 * before L2's first instruction (nsvm-behaviours.md §7 items 32-39, 49;
 * §1.10.2-3; AMD APM vol. 2, 15.20 "Event Injection").
 *
 * L2 starts at l2_inj; its IDT handler for the injected vector records the
 * frame it got and reports with VMMCALL. For every case:
 *   "<case>_vector"  the vector L2's handler saw;
 *   "<case>_eip"     the return EIP on its stack;
 *   "<case>_depth"   bytes pushed (12: EIP, CS, EFLAGS; 16: with an error
 *                    code);
 *   plus case-specific lines (error code, CR2, EFLAGS.IF, EVENTINJ.V).
 * Cases:
 *   intr_if0     TYPE 0 vector 0x30 with L2's IF = 0: delivered, EIP = RIP.
 *   intr_shadow  TYPE 0 with int_state.INTERRUPT_SHADOW = 1: delivered.
 *   gp_ev        #GP TYPE 3 EV=1 error 0x18: error code pushed, EIP = RIP,
 *                CR2 untouched.
 *   gp_noev      #GP TYPE 3 EV=0: no error code pushed.
 *   soft_int     TYPE 4 vector 0x20, next_rip = RIP+7: EIP = RIP+7 with
 *                NRIPS (no instruction need exist there); without NRIPS the
 *                CPU pushes RIP.
 *   bp_type3     #BP TYPE 3, next_rip = RIP+2: EIP = RIP+2 (RIP without
 *                NRIPS). of_type3: the same for #OF (vector 4).
 *   br_type3     #BR TYPE 3, next_rip = RIP+2: a fault, EIP = RIP.
 *   bp_icpt      #BP injected while L1 intercepts #BP: no #VMEXIT(#BP),
 *                L2's handler runs (injected events are not intercepted).
 *   nmi          TYPE 2: L2's NMI handler runs, EIP = RIP.
 *   soft_return  the handler IRETs: L2 continues at the pushed address
 *                (next_rip with NRIPS; L1 advances RIP itself without).
 *   pf_ev        #PF TYPE 3 EV=1 error 6 with vmcb12 CR2 = 0xc0ffee: the
 *                handler sees error 6 and CR2 0xc0ffee.
 */
#include "svm.h"

static struct vmcb vmcb;

/* l2_inj: ud2 at +0, vmmcall at +2, ud2 at +5, vmmcall at +7. */
extern char l2_inj[];
__asm__(".pushsection .text\n"
	"l2_inj:\n"
	"ud2\n"
	"vmmcall\n"
	"ud2\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

static uint32_t rip0;

static void prep(uint32_t evinj, uint32_t err)
{
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))l2_inj);
	vmcb_intercept(&vmcb, INTERCEPT_SHUTDOWN);
	vmcb.control.event_inj = evinj;
	vmcb.control.event_inj_err = err;
	vmcb.save.cr2 = 0xc0ffee;
	rip0 = (uint32_t)l2_inj;
}

/* deliver runs L2 and checks the common lines for case c. */
static void deliver(const char *c, uint32_t vec, uint32_t eip, int errcode)
{
	svm_run(&vmcb);
	check(case_name(c, "exit"), vmcb.control.exitcode, EXIT_VMMCALL);
	check(case_name(c, "vector"), l2_exc.vec, vec);
	check(case_name(c, "count"), l2_count[vec], 1);
	check(case_name(c, "eip"), l2_exc.frame[errcode ? 1 : 0], eip);
	check(case_name(c, "depth"), (uint32_t)l2_stack_top - l2_exc.esp, errcode ? 16 : 12);
	check(case_name(c, "evinj_cleared"), vmcb.control.event_inj & EV_VALID, 0);
}

int main(void)
{
	svm_init("svm_inject");
	svm_enable();
	int nrips = HAS(SVM_FEAT_NRIPS);

	prep(EV_VALID | EV_TYPE_INTR | 0x30, 0);
	deliver("intr_if0", 0x30, rip0, 0);
	check("intr_if0_pushed_if", l2_exc.frame[2] & RFLAGS_IF, 0);

	prep(EV_VALID | EV_TYPE_INTR | 0x31, 0);
	vmcb.control.int_state = 1;
	deliver("intr_shadow", 0x31, rip0, 0);

	prep(EV_VALID | EV_TYPE_EXC | EV_ERR | VEC_GP, 0x18);
	deliver("gp_ev", VEC_GP, rip0, 1);
	check("gp_ev_errcode", l2_exc.frame[0], 0x18);
	check("gp_ev_cr2", l2_exc.cr2, 0xc0ffee);

	prep(EV_VALID | EV_TYPE_EXC | VEC_GP, 0x18);
	deliver("gp_noev", VEC_GP, rip0, 0);

	prep(EV_VALID | EV_TYPE_SOFT | 0x20, 0);
	vmcb.control.next_rip = rip0 + 7;
	deliver("soft_int", 0x20, nrips ? rip0 + 7 : rip0, 0);

	prep(EV_VALID | EV_TYPE_EXC | VEC_BP, 0);
	vmcb.control.next_rip = rip0 + 2;
	deliver("bp_type3", VEC_BP, nrips ? rip0 + 2 : rip0, 0);

	prep(EV_VALID | EV_TYPE_EXC | VEC_OF, 0);
	vmcb.control.next_rip = rip0 + 2;
	deliver("of_type3", VEC_OF, nrips ? rip0 + 2 : rip0, 0);

	prep(EV_VALID | EV_TYPE_EXC | VEC_BR, 0);
	vmcb.control.next_rip = rip0 + 2;
	deliver("br_type3", VEC_BR, rip0, 0);

	prep(EV_VALID | EV_TYPE_EXC | VEC_BP, 0);
	vmcb.control.next_rip = rip0 + 2;
	vmcb_intercept(&vmcb, INTERCEPT_EXC + VEC_BP);
	deliver("bp_icpt", VEC_BP, nrips ? rip0 + 2 : rip0, 0);

	prep(EV_VALID | EV_TYPE_NMI | 2, 0);
	deliver("nmi", VEC_NMI, rip0, 0);

	/* The handler returns: L2 goes on at the pushed address. */
	prep(EV_VALID | EV_TYPE_SOFT | 0x20, 0);
	l2_mode[0x20] = L2_IRET;
	if (nrips) {
		vmcb.control.next_rip = rip0 + 7;
	} else {
		vmcb.save.rip = rip0 + 7; /* an NRIPS-less CPU pushes RIP */
		vmcb.control.next_rip = rip0;
	}
	svm_run(&vmcb);
	check("soft_return_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("soft_return_rip", vmcb.save.rip, rip0 + 7);
	check("soft_return_handler_ran", l2_count[0x20], 1);
	check("soft_return_rsp", vmcb.save.rsp, (uint32_t)l2_stack_top);

	prep(EV_VALID | EV_TYPE_EXC | EV_ERR | VEC_PF, 6);
	deliver("pf_ev", VEC_PF, rip0, 1);
	check("pf_ev_errcode", l2_exc.frame[0], 6);
	check("pf_ev_cr2", l2_exc.cr2, 0xc0ffee);
	return svm_result();
}
