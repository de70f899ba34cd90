/*
 * svm_nmi: NMIs for L1 (self-NMIs through the xAPIC ICR, destination =
 * own APIC ID, delivery mode NMI) and NMIs injected into L2
 * (nsvm-behaviours.md §6.2, §7 items 39, 68; AMD APM vol. 2, 15.17 GIF,
 * 15.20 event injection).
 *
 *   self      a self-NMI reaches L1 (the source works);
 *   l2nmi     L1 injects an NMI (TYPE 2); L2's NMI handler runs and exits
 *             with VMMCALL without IRET. L1 then sends itself an NMI with
 *             GIF = 0: held; STGI delivers it at once — the NMI L2 never
 *             finished does not block L1's NMIs (the selftest's NMI part).
 *   exit      L1 intercepts NMI; an NMI pending at VMRUN gives
 *             #VMEXIT(NMI) (0x61); the NMI stays pending for L1 and is
 *             taken at STGI.                                  item 68
 *   to_l2     no NMI intercept: the NMI goes through L2's IDT. item 68
 *   reflected L1 injects an NMI whose delivery faults (L2's IDT page not
 *             present, L1 intercepts #PF): #VMEXIT(#PF) with EXITINTINFO =
 *             the NMI; L1 does not re-inject it, and its own NMI, sent with
 *             GIF = 0, is delivered at STGI — the NMI that never reached L2
 *             blocks nothing.                                  item 55
 */
#include "svm.h"

static struct vmcb vmcb;
static uint32_t l2_pd[1024] __attribute__((aligned(4096)));
static uint32_t l2_pt[1024] __attribute__((aligned(4096)));

extern char l2_loop[], l2_loop_end[];
__asm__(".pushsection .text\n"
	"l2_loop:\n"
	"mov $3000, %ecx\n"
	"1: loop 1b\n"
	"l2_loop_end:\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

static void pause(void) { __asm__ volatile("nop; nop; nop; nop" ::: "memory"); }

static void prep(void)
{
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))l2_loop);
	vmcb_intercept(&vmcb, INTERCEPT_SHUTDOWN);
}

int main(void)
{
	svm_init("svm_nmi");
	svm_enable();
	apic_enable();

	apic_self_nmi();
	pause();
	check("self_delivered", l1_intr_count[VEC_NMI], 1);

	prep();
	vmcb.control.event_inj = EV_VALID | EV_TYPE_NMI | VEC_NMI;
	svm_vmrun(&vmcb);
	check("l2nmi_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("l2nmi_handler", l2_count[VEC_NMI], 1);
	check("l2nmi_eip", l2_exc.frame[0], (uint32_t)l2_loop);
	apic_self_nmi();
	pause();
	check("l2nmi_l1_held_gif0", l1_intr_count[VEC_NMI], 1);
	stgi();
	pause();
	check("l2nmi_l1_delivered_at_stgi", l1_intr_count[VEC_NMI], 2);

	prep();
	vmcb_intercept(&vmcb, INTERCEPT_NMI);
	clgi();
	apic_self_nmi();
	pause();
	check("exit_held_gif0", l1_intr_count[VEC_NMI], 2);
	svm_vmrun(&vmcb);
	pause();
	check("exit_exit", vmcb.control.exitcode, EXIT_NMI);
	check("exit_before_end", vmcb.save.rip < (uint32_t)l2_loop_end, 1);
	check("exit_exitintinfo", vmcb.control.exitintinfo & EV_VALID, 0);
	check("exit_not_in_l2", l2_count[VEC_NMI], 0);
	check("exit_held", l1_intr_count[VEC_NMI], 2);
	stgi();
	pause();
	check("exit_delivered_at_stgi", l1_intr_count[VEC_NMI], 3);

	prep();
	clgi();
	apic_self_nmi();
	svm_run(&vmcb);
	check("to_l2_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("to_l2_handler", l2_count[VEC_NMI], 1);
	check("to_l2_not_l1", l1_intr_count[VEC_NMI], 3);

	prep();
	l2_pd[0] = (uint32_t)l2_pt | 3;
	for (int i = 0; i < 1024; i++)
		l2_pt[i] = (uint32_t)i << 12 | 3;
	l2_pt[(uint32_t)l2_idt >> 12] = 0;
	vmcb.save.cr0 |= CR0_PG;
	vmcb.save.cr3 = (uint32_t)l2_pd;
	vmcb_intercept(&vmcb, INTERCEPT_EXC + VEC_PF);
	vmcb.control.event_inj = EV_VALID | EV_TYPE_NMI | VEC_NMI;
	svm_vmrun(&vmcb);
	check("reflected_exit", vmcb.control.exitcode, EXIT_EXC + VEC_PF);
	check("reflected_exitintinfo", vmcb.control.exitintinfo, EV_VALID | EV_TYPE_NMI | VEC_NMI);
	check("reflected_not_in_l2", l2_count[VEC_NMI], 0);
	apic_self_nmi();
	pause();
	check("reflected_l1_held_gif0", l1_intr_count[VEC_NMI], 3);
	stgi();
	pause();
	check("reflected_l1_delivered_at_stgi", l1_intr_count[VEC_NMI], 4);
	return svm_result();
}
