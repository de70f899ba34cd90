/*
 * svm_intr: interrupts for L1 and L2 from the xAPIC at 0xfee00000 (self-
 * IPIs), with and without the INTR intercept (nsvm-behaviours.md §7 items
 * 66, 67; §4; AMD APM vol. 2, 15.21 "Interrupt and LINT1 Intercepts",
 * 15.21.1 V_INTR_MASKING). The cases that need GIF = 0 with IF = 1 are in
 * svm_gif.
 *
 *   ipi        a self-IPI reaches L1 once IF = 1 (the source works);
 *   l1_if0     L1 intercepts INTR with V_INTR_MASKING and executes VMRUN
 *              with IF = 0: host interrupts are masked, so there is no
 *              #VMEXIT(INTR); L2 runs to its VMMCALL and the interrupt
 *              reaches L1 once it sets IF.                     item 66
 *   to_l2      no INTR intercept, V_INTR_MASKING = 0, L2 IF = 1: the
 *              interrupt goes through L2's IDT, not L1's.      item 67
 *   to_l2_sti  the same with L2 IF = 0 at entry: held until L2's STI (and
 *              the instruction after it, the STI shadow); L2's handler
 *              returns to the instruction after that.          item 67
 *   shadow_exit  vmcb12 int_state.SHADOW = 1 with an interrupt for L1
 *              pending and INTR intercepted (V_INTR_MASKING, GIF = 0
 *              before VMRUN): the shadow does not block the #VMEXIT(INTR),
 *              which comes before L2's first instruction.    scenario 30
 *   shadow_to_l2 the same shadow without the INTR intercept, L2 IF = 1:
 *              the interrupt goes to L2 after one L2 instruction, so
 *              L2's frame holds the address of the second.  scenario 30
 *
 * Scenarios: 30
 */
#include "svm.h"

static struct vmcb vmcb;

extern char l2_loop[], l2_loop_end[], l2_sti[], l2_sti_point[];
__asm__(".pushsection .text\n"
	"l2_loop:\n"
	"mov $3000, %ecx\n"
	"1: loop 1b\n"
	"l2_loop_end:\n"
	"vmmcall\n"
	"ud2\n"
	"l2_sti:\n"
	"mov $300, %ecx\n"
	"1: loop 1b\n"
	"sti\n"
	"nop\n"
	"l2_sti_point:\n"
	"cli\n"
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
	svm_init("svm_intr");
	svm_enable();
	apic_enable();

	apic_self_ipi(0x40);
	pause();
	check("ipi_held_if0", l1_intr_count[0x40], 0);
	sti();
	pause();
	cli();
	check("ipi_delivered", l1_intr_count[0x40], 1);

	prep(l2_loop);
	vmcb_intercept(&vmcb, INTERCEPT_INTR);
	vmcb.control.int_ctl = V_INTR_MASKING;
	apic_self_ipi(0x45);
	svm_run(&vmcb);
	check("l1_if0_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("l1_if0_not_in_l2", l2_count[0x45], 0);
	check("l1_if0_held", l1_intr_count[0x45], 0);
	sti();
	pause();
	cli();
	check("l1_if0_delivered", l1_intr_count[0x45], 1);

	prep(l2_loop);
	vmcb.save.rflags = 0x202;
	l2_mode[0x46] = L2_IRET;
	apic_self_ipi(0x46);
	svm_run(&vmcb);
	check("to_l2_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("to_l2_handler", l2_count[0x46], 1);
	check("to_l2_not_l1", l1_intr_count[0x46], 0);
	apic_write(0xb0, 0); /* EOI for L2's interrupt */

	prep(l2_sti);
	l2_mode[0x47] = L2_IRET;
	apic_self_ipi(0x47);
	svm_run(&vmcb);
	check("to_l2_sti_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("to_l2_sti_handler", l2_count[0x47], 1);
	check("to_l2_sti_ret_eip", l2_exc.frame[0], (uint32_t)l2_sti_point);
	check("to_l2_sti_not_l1", l1_intr_count[0x47], 0);
	apic_write(0xb0, 0); /* EOI for L2's interrupt */

	prep(l2_loop);
	vmcb_intercept(&vmcb, INTERCEPT_INTR);
	vmcb.control.int_ctl = V_INTR_MASKING;
	vmcb.control.int_state = 1; /* interrupt shadow */
	vmcb.save.rflags = 0x202;
	clgi();
	sti();
	apic_self_ipi(0x48);
	svm_vmrun(&vmcb);
	pause();
	check("shadow_exit", vmcb.control.exitcode, EXIT_INTR);
	check("shadow_exit_rip", vmcb.save.rip, (uint32_t)l2_loop);
	check("shadow_exit_held", l1_intr_count[0x48], 0);
	stgi();
	pause();
	cli();
	check("shadow_exit_stgi_delivered", l1_intr_count[0x48], 1);

	prep(l2_loop);
	vmcb.control.int_state = 1; /* interrupt shadow */
	vmcb.save.rflags = 0x202;
	l2_mode[0x49] = L2_IRET;
	apic_self_ipi(0x49);
	svm_run(&vmcb);
	check("shadow_to_l2_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("shadow_to_l2_handler", l2_count[0x49], 1);
	check("shadow_to_l2_ret_eip", l2_exc.frame[0], (uint32_t)l2_loop + 5);
	check("shadow_to_l2_not_l1", l1_intr_count[0x49], 0);
	apic_write(0xb0, 0); /* EOI for L2's interrupt */
	return svm_result();
}
