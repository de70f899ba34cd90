/*
 * svm_reflect: an event whose delivery in L2 raises an exception L1
 * intercepts is reported to L1 in EXITINTINFO, and L1 re-injects it
 * (nsvm-behaviours.md §7 items 53-55, 57; §1.10.1, §1.10.3; AMD APM vol.
 * 2, 15.7.2 and 15.20).
 *
 * L2 runs with paging on (identity map of the first 4 MiB, 4-KiB pages)
 * and its IDT page not present; L1 intercepts #PF. Delivering any event
 * then faults on the IDT entry: #VMEXIT(#PF) with EXITINFO1 = the error
 * code (0: supervisor read of a not-present page), EXITINFO2 = the IDT
 * entry's address, RIP = where the event was raised, EXITINTINFO = the
 * event (V, TYPE, vector, EV and error code), L2's CR2 unchanged (the #PF
 * was not delivered), and NRIP = 0 where NRIPS is advertised (an exit
 * while vectoring has no next RIP). L1 then maps the IDT page and
 * re-injects the event from EXITINTINFO; L2's handler runs once with the
 * right return address, and L1's own handler for the vector never runs.
 *   int3   L2's own INT3: {3, TYPE 3 (exception)}; L1 re-injects #BP with
 *          next_rip = RIP+1 (or RIP+1 itself without NRIPS).  item 53
 *   int80  L2's own INT 0x80: {0x80, TYPE 4}; re-injected with RIP+2.
 *   gp     L1-injected #GP with error code 0x1234: {13, TYPE 3, EV},
 *          EXITINTINFO error code 0x1234.                        item 54
 *   nmi    L1-injected NMI: {2, TYPE 2}.                         item 55
 *   intr   L1-injected interrupt 0x30: {0x30, TYPE 0}.
 *   no_event_leaked_to_l1  none of these events reached L1's own IDT
 *          (item 57).
 */
#include "svm.h"

static struct vmcb vmcb;
static uint32_t l2_pd[1024] __attribute__((aligned(4096)));
static uint32_t l2_pt[1024] __attribute__((aligned(4096)));

extern char l2_int3[], l2_int3_insn[], l2_int80[], l2_int80_insn[], l2_plain[];
__asm__(".pushsection .text\n"
	"l2_int3:\n"
	"nop\n"
	"l2_int3_insn:\n"
	"int3\n"
	"vmmcall\n"
	"ud2\n"
	"l2_int80:\n"
	"nop\n"
	"l2_int80_insn:\n"
	"int $0x80\n"
	"vmmcall\n"
	"ud2\n"
	"l2_plain:\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

static void idt_present(int p)
{
	uint32_t a = (uint32_t)l2_idt;
	l2_pt[a >> 12] = a | (p ? 3 : 0);
}

static void prep(char *entry, uint32_t evinj, uint32_t err)
{
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))entry);
	vmcb.save.cr0 |= CR0_PG;
	vmcb.save.cr3 = (uint32_t)l2_pd;
	vmcb.save.cr2 = 0xc0ffee;
	vmcb_intercept(&vmcb, INTERCEPT_EXC + VEC_PF);
	vmcb_intercept(&vmcb, INTERCEPT_SHUTDOWN);
	vmcb.control.event_inj = evinj;
	vmcb.control.event_inj_err = err;
	vmcb.control.next_rip = 0xdead;
	idt_present(0);
}

/* reflect runs L2 and checks the #PF exit for case c. */
static void reflect(const char *c, uint32_t vec, uint32_t rip, uint32_t exitintinfo, uint32_t err)
{
	svm_run(&vmcb);
	check(case_name(c, "exit"), vmcb.control.exitcode, EXIT_EXC + VEC_PF);
	check(case_name(c, "exitinfo1"), vmcb.control.exitinfo1, 0);
	check(case_name(c, "exitinfo2"), vmcb.control.exitinfo2, (uint32_t)&l2_idt[vec]);
	check(case_name(c, "rip"), vmcb.save.rip, rip);
	check(case_name(c, "exitintinfo"), vmcb.control.exitintinfo, exitintinfo);
	if (exitintinfo & EV_ERR)
		check(case_name(c, "exitintinfo_err"), vmcb.control.exitintinfo_err, err);
	check(case_name(c, "l2_cr2"), vmcb.save.cr2, 0xc0ffee);
	if (HAS(SVM_FEAT_NRIPS))
		check(case_name(c, "nrip"), vmcb.control.next_rip, 0);
	else
		check(case_name(c, "nrip"), vmcb.control.next_rip, 0xdead);
	check(case_name(c, "evinj_cleared"), vmcb.control.event_inj & EV_VALID, 0);
	check(case_name(c, "handler_not_run"), l2_count[vec], 0);
}

/* reinject maps the IDT, re-injects EXITINTINFO (soft events with a
 * return address of RIP + len) and checks L2's handler. */
static void reinject(const char *c, uint32_t vec, uint32_t len, int errcode)
{
	uint32_t ev = vmcb.control.exitintinfo, err = vmcb.control.exitintinfo_err;
	uint32_t rip = vmcb.save.rip;
	idt_present(1);
	vmcb.control.event_inj = ev;
	vmcb.control.event_inj_err = err;
	if (len) {
		if (HAS(SVM_FEAT_NRIPS))
			vmcb.control.next_rip = rip + len;
		else
			vmcb.save.rip = rip + len;
	}
	svm_run(&vmcb);
	check(case_name(c, "reinject_exit"), vmcb.control.exitcode, EXIT_VMMCALL);
	check(case_name(c, "reinject_count"), l2_count[vec], 1);
	check(case_name(c, "reinject_ret_eip"), l2_exc.frame[errcode ? 1 : 0], rip + len);
	if (errcode)
		check(case_name(c, "reinject_errcode"), l2_exc.frame[0], err);
}

int main(void)
{
	svm_init("svm_reflect");
	svm_enable();
	l2_pd[0] = (uint32_t)l2_pt | 3;
	for (int i = 0; i < 1024; i++)
		l2_pt[i] = (uint32_t)i << 12 | 3;

	prep(l2_int3, 0, 0);
	l2_mode[VEC_BP] = L2_IRET;
	reflect("int3", VEC_BP, (uint32_t)l2_int3_insn, EV_VALID | EV_TYPE_EXC | VEC_BP, 0);
	reinject("int3", VEC_BP, 1, 0);
	check("int3_resumed", vmcb.save.rip, (uint32_t)l2_int3_insn + 1);

	prep(l2_int80, 0, 0);
	l2_mode[0x80] = L2_IRET;
	reflect("int80", 0x80, (uint32_t)l2_int80_insn, EV_VALID | EV_TYPE_SOFT | 0x80, 0);
	reinject("int80", 0x80, 2, 0);
	check("int80_resumed", vmcb.save.rip, (uint32_t)l2_int80_insn + 2);

	prep(l2_plain, EV_VALID | EV_TYPE_EXC | EV_ERR | VEC_GP, 0x1234);
	reflect("gp", VEC_GP, (uint32_t)l2_plain, EV_VALID | EV_TYPE_EXC | EV_ERR | VEC_GP, 0x1234);
	reinject("gp", VEC_GP, 0, 1);

	prep(l2_plain, EV_VALID | EV_TYPE_NMI | VEC_NMI, 0);
	reflect("nmi", VEC_NMI, (uint32_t)l2_plain, EV_VALID | EV_TYPE_NMI | VEC_NMI, 0);
	reinject("nmi", VEC_NMI, 0, 0);

	prep(l2_plain, EV_VALID | EV_TYPE_INTR | 0x30, 0);
	reflect("intr", 0x30, (uint32_t)l2_plain, EV_VALID | EV_TYPE_INTR | 0x30, 0);
	reinject("intr", 0x30, 0, 0);
	/* None of the reflected events reached L1 itself (its IDT fails the
	 * image on an exception; interrupts and NMIs it counts). */
	check("no_event_leaked_to_l1", l1_intr_count[VEC_NMI] + l1_intr_count[0x30], 0);
	return svm_result();
}
