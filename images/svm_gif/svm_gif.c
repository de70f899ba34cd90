/*
 * svm_gif: GIF and the INTR intercept, observed with interrupts for L1
 * from the xAPIC at 0xfee00000 (self-IPIs, the APIC timer)
 * (nsvm-behaviours.md §7 items 6 (GIF), 66, 70, 71; §1.10.6; AMD APM vol.
 * 2, 15.17 "Global Interrupt Flag", 15.21 "Interrupt and LINT1
 * Intercepts"). Every case holds an interrupt pending while L1 has IF = 1
 * and GIF = 0.
 *
 *   clgi         CLGI holds a self-IPI pending with IF = 1; STGI delivers it;
 *   vmexit_gif   after a #VMEXIT GIF is 0: held pending until STGI;
 *   invalid_gif  the same after a VMRUN that fails (VMEXIT_INVALID);
 *   intr_exit    L1 intercepts INTR with V_INTR_MASKING and runs L2 with
 *                its own IF = 1 (GIF = 0 before VMRUN keeps the interrupt
 *                pending): #VMEXIT(INTR) with EXITINFO1/2 = 0, no
 *                EXITINTINFO, before L2 reaches its VMMCALL; the interrupt
 *                stays pending for L1 until STGI.            item 66
 *   hlt          L2 executes HLT (not intercepted); the APIC timer's
 *                interrupt gives #VMEXIT(INTR) with RIP after the HLT.
 *                                                            item 70
 *   priority     VMRUN with EVENTINJ (INTn 0x20) while an interrupt for
 *                L1 is pending: the injected event is delivered first (L2
 *                is at its handler's first instruction, the frame pushed),
 *                then #VMEXIT(INTR) with no EXITINTINFO.     item 71
 */
#include "svm.h"

static struct vmcb vmcb;

extern char l2_loop[], l2_loop_end[], l2_hlt[], l2_hlt_insn[];
__asm__(".pushsection .text\n"
	"l2_loop:\n"
	"mov $3000, %ecx\n"
	"1: loop 1b\n"
	"l2_loop_end:\n"
	"vmmcall\n"
	"ud2\n"
	"l2_hlt:\n"
	"nop\n"
	"l2_hlt_insn:\n"
	"hlt\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

static void pause(void) { __asm__ volatile("nop; nop; nop; nop" ::: "memory"); }

static void prep(char *entry)
{
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))entry);
	vmcb_intercept(&vmcb, INTERCEPT_SHUTDOWN);
}

int main(void)
{
	svm_init("svm_gif");
	svm_enable();
	apic_enable();

	clgi();
	sti();
	apic_self_ipi(0x41);
	pause();
	check("clgi_held", l1_intr_count[0x41], 0);
	stgi();
	pause();
	cli();
	check("clgi_stgi_delivered", l1_intr_count[0x41], 1);

	prep(l2_loop);
	svm_vmrun(&vmcb);
	sti();
	apic_self_ipi(0x42);
	pause();
	check("vmexit_gif_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("vmexit_gif_held", l1_intr_count[0x42], 0);
	stgi();
	pause();
	cli();
	check("vmexit_gif_stgi_delivered", l1_intr_count[0x42], 1);

	prep(l2_loop);
	vmcb.control.asid = 0;
	svm_vmrun(&vmcb);
	sti();
	apic_self_ipi(0x43);
	pause();
	check("invalid_gif_exit", vmcb.control.exitcode, EXIT_INVALID);
	check("invalid_gif_held", l1_intr_count[0x43], 0);
	stgi();
	pause();
	cli();
	check("invalid_gif_stgi_delivered", l1_intr_count[0x43], 1);

	prep(l2_loop);
	vmcb_intercept(&vmcb, INTERCEPT_INTR);
	vmcb.control.int_ctl = V_INTR_MASKING;
	vmcb.control.exitinfo1 = vmcb.control.exitinfo2 = 0x77;
	clgi();
	sti();
	apic_self_ipi(0x44);
	svm_vmrun(&vmcb);
	pause();
	check("intr_exit", vmcb.control.exitcode, EXIT_INTR);
	check("intr_exit_info", vmcb.control.exitinfo1 == 0 && vmcb.control.exitinfo2 == 0, 1);
	check("intr_exit_exitintinfo", vmcb.control.exitintinfo & EV_VALID, 0);
	check("intr_exit_before_end", vmcb.save.rip < (uint32_t)l2_loop_end, 1);
	check("intr_exit_held", l1_intr_count[0x44], 0);
	stgi();
	pause();
	cli();
	check("intr_exit_stgi_delivered", l1_intr_count[0x44], 1);

	prep(l2_hlt);
	vmcb_intercept(&vmcb, INTERCEPT_INTR);
	vmcb.control.int_ctl = V_INTR_MASKING;
	apic_write(0x3e0, 0xb);     /* divide by 1 */
	apic_write(0x320, 0x47);    /* one-shot, vector 0x47 */
	clgi();
	sti();
	apic_write(0x380, 200000000); /* initial count: long enough for L2 to reach its HLT */
	svm_vmrun(&vmcb);
	pause();
	check("hlt_exit", vmcb.control.exitcode, EXIT_INTR);
	check("hlt_rip_after_hlt", vmcb.save.rip, (uint32_t)l2_hlt_insn + 1);
	check("hlt_held", l1_intr_count[0x47], 0);
	stgi();
	pause();
	cli();
	check("hlt_timer_delivered", l1_intr_count[0x47], 1);

	prep(l2_loop);
	vmcb_intercept(&vmcb, INTERCEPT_INTR);
	vmcb.control.int_ctl = V_INTR_MASKING;
	vmcb.control.event_inj = EV_VALID | EV_TYPE_SOFT | 0x20;
	vmcb.control.next_rip = (uint32_t)l2_loop;
	clgi();
	sti();
	apic_self_ipi(0x48);
	svm_vmrun(&vmcb);
	pause();
	check("priority_exit", vmcb.control.exitcode, EXIT_INTR);
	check("priority_rip_handler", vmcb.save.rip, l2_stub[0x20]);
	check("priority_frame_pushed", vmcb.save.rsp, (uint32_t)l2_stack_top - 12);
	check("priority_exitintinfo", vmcb.control.exitintinfo & EV_VALID, 0);
	check("priority_evinj_cleared", vmcb.control.event_inj & EV_VALID, 0);
	stgi();
	pause();
	cli();
	check("priority_delivered", l1_intr_count[0x48], 1);
	return svm_result();
}
