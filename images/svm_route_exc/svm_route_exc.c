/*
 * svm_route_exc: L2's exceptions and software interrupts, intercepted by
 * L1 or not (nsvm-behaviours.md §7 items 63-65, 69, §1.10.1, §4; AMD APM
 * vol. 2, 15.12 "Exception Intercepts", 15.7.1 NRIP).
 *
 * NRIP is written on instruction intercepts and on exceptions raised by
 * INT3, INTO and BOUND (the address of the next instruction), and is 0 on
 * other exception exits, where NRIPS is advertised; without NRIPS the
 * field is not written. Lines that need DecodeAssists print "SKIP ..."
 * without it.
 * Lines per case: _exit, _rip, _nrip, and others as listed:
 *   bp       #BP intercepted, L2 executes INT3: 0x43 at the INT3, NRIP =
 *            RIP+1. L1 re-injects #BP (TYPE 3, next_rip = NRIP, or RIP+1
 *            without NRIPS): L2's handler returns after the INT3.
 *   of       #OF intercepted, INTO with OF = 1: 0x44, NRIP = RIP+1.
 *   br       #BR intercepted, BOUND out of range: 0x45 at the BOUND, NRIP
 *            = RIP+6 (the instruction's length).
 *   swint    INTn intercepted, INT 0x42: 0x75, NRIP = RIP+2, EXITINFO1 =
 *            0x42 with DecodeAssists. L1 re-injects TYPE 4 vector 0x42.
 *   int3_swint  INTn intercepted but not #BP: INT3 is not INTn, so L2's
 *            #BP handler runs and L1 sees only the final VMMCALL.
 *   ud       #UD intercepted, UD2: 0x46 at the UD2, NRIP = 0.
 *   pf       #PF intercepted, L2 (paging on) writes a not-present page:
 *            0x4e at the MOV, EXITINFO1 = 2 (write, not present),
 *            EXITINFO2 = the address, NRIP = 0, L2's CR2 unchanged; with
 *            DecodeAssists the fetched bytes start with the MOV's opcode.
 *            L1 maps the page and resumes: the MOV completes.
 *   vmmcall_ud  VMMCALL not intercepted: #UD in L2 (its handler reports
 *            with HLT, intercepted), at the VMMCALL.
 *   shutdown L2 triple-faults (UD2 with an empty IDT) with the SHUTDOWN
 *            intercept: 0x7f.
 */
#include "svm.h"

static struct vmcb vmcb;
static uint32_t l2_pd[1024] __attribute__((aligned(4096)));
static uint32_t l2_pt[1024] __attribute__((aligned(4096)));
static uint32_t pf_page[1024] __attribute__((aligned(4096)));
uint32_t bound_pair[2] = {10, 20};

extern char e_bp[], e_bp_insn[], e_of[], e_of_insn[], e_br[], e_br_insn[], e_swint[], e_swint_insn[],
	e_int3[], e_int3_insn[], e_ud[], e_ud_insn[], e_pf[], e_pf_insn[], e_vmmcall[], e_vmmcall_insn[],
	e_shutdown[];
__asm__(".pushsection .text\n"
	"e_bp: nop\n"
	"e_bp_insn: int3\n"
	"vmmcall\n"
	"e_of: mov $0x7f, %al\n"
	"add $1, %al\n"
	"e_of_insn: into\n"
	"vmmcall\n"
	"e_br: mov $30, %eax\n"
	"e_br_insn: bound %eax, bound_pair\n"
	"vmmcall\n"
	"e_swint: nop\n"
	"e_swint_insn: int $0x42\n"
	"vmmcall\n"
	"e_int3: nop\n"
	"e_int3_insn: int3\n"
	"vmmcall\n"
	"e_ud: nop\n"
	"e_ud_insn: ud2\n"
	"vmmcall\n"
	"e_pf: mov $pf_page, %ebx\n"
	"e_pf_insn: movl $0x5a5a5a5a, 0x10(%ebx)\n"
	"vmmcall\n"
	"e_vmmcall: nop\n"
	"e_vmmcall_insn: vmmcall\n"
	"ud2\n"
	"e_shutdown: ud2\n"
	".popsection\n");

static void prep(char *entry, unsigned icpt)
{
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))entry);
	vmcb_intercept(&vmcb, icpt);
	vmcb_intercept(&vmcb, INTERCEPT_SHUTDOWN);
	vmcb.control.next_rip = 0xdead;
}

/* exitchk runs L2 and checks its exit; nrip_len 0 means NRIP must be 0. */
static void exitchk(const char *c, uint32_t code, char *rip, uint32_t nrip_len)
{
	svm_run(&vmcb);
	check(case_name(c, "exit"), vmcb.control.exitcode, code);
	check(case_name(c, "rip"), vmcb.save.rip, (uint32_t)rip);
	if (HAS(SVM_FEAT_NRIPS))
		check(case_name(c, "nrip"), vmcb.control.next_rip, nrip_len ? (uint32_t)rip + nrip_len : 0);
	else
		check(case_name(c, "nrip"), vmcb.control.next_rip, 0xdead); /* not written */
}

/* reinject delivers ev with a return address of RIP + len and checks that
 * L2's handler ran once and L2 got to its VMMCALL after the instruction. */
static void reinject(const char *c, uint32_t ev, uint32_t vec, uint32_t len)
{
	uint32_t rip = vmcb.save.rip;
	vmcb.control.event_inj = ev;
	if (HAS(SVM_FEAT_NRIPS))
		vmcb.control.next_rip = rip + len;
	else
		vmcb.save.rip = rip + len;
	l2_mode[vec] = L2_IRET;
	svm_run(&vmcb);
	check(case_name(c, "reinject_exit"), vmcb.control.exitcode, EXIT_VMMCALL);
	check(case_name(c, "reinject_rip"), vmcb.save.rip, rip + len);
	check(case_name(c, "reinject_count"), l2_count[vec], 1);
}

int main(void)
{
	svm_init("svm_route_exc");
	svm_enable();
	l2_pd[0] = (uint32_t)l2_pt | 3;
	for (int i = 0; i < 1024; i++)
		l2_pt[i] = (uint32_t)i << 12 | 3;

	prep(e_bp, INTERCEPT_EXC + VEC_BP);
	exitchk("bp", EXIT_EXC + VEC_BP, e_bp_insn, 1);
	check("bp_handler_not_run", l2_count[VEC_BP], 0);
	reinject("bp", EV_VALID | EV_TYPE_EXC | VEC_BP, VEC_BP, 1);

	prep(e_of, INTERCEPT_EXC + VEC_OF);
	exitchk("of", EXIT_EXC + VEC_OF, e_of_insn, 1);
	reinject("of", EV_VALID | EV_TYPE_EXC | VEC_OF, VEC_OF, 1);

	prep(e_br, INTERCEPT_EXC + VEC_BR);
	exitchk("br", EXIT_EXC + VEC_BR, e_br_insn, 6);

	prep(e_swint, INTERCEPT_SWINT);
	exitchk("swint", EXIT_SWINT, e_swint_insn, 2);
	if (HAS(SVM_FEAT_DECODEASSISTS))
		check("swint_info1", vmcb.control.exitinfo1, 0x42);
	else
		printf("SKIP swint_info1 (no DecodeAssists)\n");
	reinject("swint", EV_VALID | EV_TYPE_SOFT | 0x42, 0x42, 2);

	prep(e_int3, INTERCEPT_SWINT);
	l2_mode[VEC_BP] = L2_IRET;
	svm_run(&vmcb);
	check("int3_swint_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("int3_swint_handler", l2_count[VEC_BP], 1);

	prep(e_ud, INTERCEPT_EXC + VEC_UD);
	exitchk("ud", EXIT_EXC + VEC_UD, e_ud_insn, 0);
	check("ud_handler_not_run", l2_count[VEC_UD], 0);

	prep(e_pf, INTERCEPT_EXC + VEC_PF);
	vmcb.save.cr0 |= CR0_PG;
	vmcb.save.cr3 = (uint32_t)l2_pd;
	vmcb.save.cr2 = 0xc0ffee;
	l2_pt[(uint32_t)pf_page >> 12] = 0;
	exitchk("pf", EXIT_EXC + VEC_PF, e_pf_insn, 0);
	check("pf_info1", vmcb.control.exitinfo1, 2);
	check("pf_info2", vmcb.control.exitinfo2, (uint32_t)pf_page + 0x10);
	check("pf_l2_cr2", vmcb.save.cr2, 0xc0ffee);
	check("pf_exitintinfo_not_valid", vmcb.control.exitintinfo & EV_VALID, 0);
	if (HAS(SVM_FEAT_DECODEASSISTS))
		check("pf_insn_bytes", vmcb.control.insn_len >= 1 && vmcb.control.insn_bytes[0] == 0xc7, 1);
	else
		printf("SKIP pf_insn_bytes (no DecodeAssists)\n");
	l2_pt[(uint32_t)pf_page >> 12] = (uint32_t)pf_page | 3;
	svm_run(&vmcb);
	check("pf_resume_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("pf_resume_written", pf_page[4], 0x5a5a5a5a);

	prep(e_vmmcall, INTERCEPT_HLT);
	vmcb_clear_intercept(&vmcb, INTERCEPT_VMMCALL);
	l2_mode[VEC_UD] = L2_HLT;
	svm_run(&vmcb);
	check("vmmcall_ud_exit", vmcb.control.exitcode, EXIT_HLT);
	check("vmmcall_ud_vector", l2_exc.vec, VEC_UD);
	check("vmmcall_ud_eip", l2_exc.frame[0], (uint32_t)e_vmmcall_insn);

	prep(e_shutdown, INTERCEPT_SHUTDOWN);
	vmcb.save.idtr.limit = 0;
	svm_run(&vmcb);
	check("shutdown_exit", vmcb.control.exitcode, EXIT_SHUTDOWN);
	return svm_result();
}
