/*
 * svm_vmrun_state: VMRUN and #VMEXIT state handling, as the L1 hypervisor
 * sees it (nsvm-behaviours.md §7 items 26, 28, 29, 31; AMD APM vol. 2,
 * 15.5 and 15.7).
 *
 *   rt_*     round trip (26, 31): L1 runs L2 with an injected interrupt;
 *            L2's handler returns, L2 loads known GPRs, sets CF and
 *            executes VMMCALL. At the #VMEXIT vmcb12 holds L2's RIP (the
 *            VMMCALL, not advanced), RSP, RAX, RFLAGS, CS, CPL, EXITINTINFO
 *            0 and EVENTINJ.V cleared; NRIP = RIP+3 when NRIPS is
 *            advertised (else the field is not written). L1 resumes after
 *            VMRUN with RAX = the vmcb12 address, its RSP, RFLAGS, CR0,
 *            EFER, GDTR and IDTR, and DR7 = 0x400 (breakpoints disabled).
 *   resume_* L1 continues L2 after the VMMCALL (RIP = next); L2 reaches a
 *            second VMMCALL with its GPRs intact.
 *   idtr_*   (28) a changed vmcb12 IDTR with clean bits 0 takes effect.
 *   tsc_*    (29) vmcb12 TSC_OFFSET applies to L2's RDTSC, not to L1's.
 *
 * Each check prints "PASS name" or "FAIL name got X want Y"; the exit
 * status is 0 only if all pass.
 */
#include "svm.h"

static struct vmcb vmcb;
static uint64_t alt_idt[256] __attribute__((aligned(4096)));
uint32_t l2_tsc_lo, l2_tsc_hi; /* written by L2 (asm) */

extern char l2_rt[], l2_rt_vmmcall[], l2_rt_vmmcall2[], l2_tsc[];
__asm__(".pushsection .text\n"
	"l2_rt:\n"
	"mov $0x12345678, %eax\n"
	"mov $0x11111111, %ebx\n"
	"mov $0x22222222, %ecx\n"
	"mov $0x33333333, %edx\n"
	"mov $0x44444444, %esi\n"
	"mov $0x55555555, %edi\n"
	"mov $0x66666666, %ebp\n"
	"stc\n"
	"l2_rt_vmmcall:\n"
	"vmmcall\n"
	"inc %ebx\n"
	"l2_rt_vmmcall2:\n"
	"vmmcall\n"
	"ud2\n"
	"l2_tsc:\n"
	"rdtsc\n"
	"mov %eax, l2_tsc_lo\n"
	"mov %edx, l2_tsc_hi\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

struct dtr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

static void sgdt(struct dtr *d) { __asm__ volatile("sgdt %0" : "=m"(*d)); }
static void sidt(struct dtr *d) { __asm__ volatile("sidt %0" : "=m"(*d)); }

static void round_trip(void)
{
	svm_vmcb_init(&vmcb, (void (*)(void))l2_rt);
	vmcb.control.event_inj = EV_VALID | EV_TYPE_INTR | 0x30;
	vmcb.control.next_rip = 0xdeadbeef;
	l2_mode[0x30] = L2_IRET;

	/* A breakpoint L1 has armed (on an address nothing executes). */
	__asm__ volatile("mov %0, %%dr0\n\tmov %1, %%dr7" : : "r"(0xfffff000u), "r"(0x402u));
	struct dtr g0, i0, g1, i1;
	sgdt(&g0);
	sidt(&i0);
	uint32_t cr0 = read_cr0(), fl = read_eflags();
	uint64_t efer = rdmsr(MSR_EFER);

	svm_run(&vmcb);

	sgdt(&g1);
	sidt(&i1);
	struct vmcb_control *c = &vmcb.control;
	struct vmcb_save *s = &vmcb.save;
	check("rt_exitcode", c->exitcode, EXIT_VMMCALL);
	check("rt_l2_rip", s->rip, (uint32_t)l2_rt_vmmcall);
	check("rt_l2_nrip", c->next_rip, HAS(SVM_FEAT_NRIPS) ? (uint32_t)l2_rt_vmmcall + 3 : 0xdeadbeef);
	check("rt_l2_rax", s->rax, 0x12345678);
	check("rt_l2_rsp", s->rsp, (uint32_t)l2_stack_top);
	check("rt_l2_rflags", s->rflags & 0x3fffff, 0x3);
	check("rt_l2_cs", s->cs.sel, SEL_CS32);
	check("rt_l2_cpl", s->cpl, 0);
	check("rt_l2_gprs", svm_l2_gprs.ebx == 0x11111111 && svm_l2_gprs.ecx == 0x22222222 &&
				    svm_l2_gprs.edx == 0x33333333 && svm_l2_gprs.esi == 0x44444444 &&
				    svm_l2_gprs.edi == 0x55555555 && svm_l2_gprs.ebp == 0x66666666,
	      1);
	check("rt_injected_intr_delivered", l2_count[0x30], 1);
	check("rt_injected_intr_frame_eip", l2_exc.frame[0], (uint32_t)l2_rt);
	check("rt_exitintinfo_not_valid", c->exitintinfo & EV_VALID, 0);
	check("rt_eventinj_cleared", c->event_inj & EV_VALID, 0);
	check("rt_l1_rax", svm_l1_eax_after, (uint32_t)&vmcb);
	check("rt_l1_rsp", svm_l1_esp_after, svm_l1_esp_before);
	check("rt_l1_eflags", svm_l1_eflags_after, fl);
	check("rt_l1_dr7", svm_l1_dr7_after, 0x400);
	check("rt_l1_cpl", read_cs() & 3, 0);
	check("rt_l1_cr0", read_cr0(), cr0);
	check("rt_l1_efer", rdmsr(MSR_EFER), efer);
	check("rt_l1_gdtr", g1.base == g0.base && g1.limit == g0.limit, 1);
	check("rt_l1_idtr", i1.base == i0.base && i1.limit == i0.limit, 1);
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x400u));

	/* Continue L2 after its VMMCALL. */
	s->rip += 3;
	svm_run(&vmcb);
	check("resume_exitcode", c->exitcode, EXIT_VMMCALL);
	check("resume_l2_rip", s->rip, (uint32_t)l2_rt_vmmcall2);
	check("resume_l2_ebx", svm_l2_gprs.ebx, 0x11111112);
	check("resume_l2_rax", s->rax, 0x12345678);
}

static void idtr_reload(void)
{
	/* Vector 0x30 of the alternate IDT is vector 0x31's stub. */
	for (int i = 0; i < 256; i++)
		alt_idt[i] = l2_idt[i];
	alt_idt[0x30] = l2_idt[0x31];
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))l2_rt);
	svm_run(&vmcb);
	check("idtr_first_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	vmcb.save.idtr.base = (uint32_t)alt_idt;
	vmcb.control.clean = 0;
	vmcb.control.event_inj = EV_VALID | EV_TYPE_INTR | 0x30;
	vmcb.save.rip = (uint32_t)l2_rt;
	svm_run(&vmcb);
	check("idtr_new_idt_used", l2_exc.vec, 0x31);
	check("idtr_old_idt_unused", l2_count[0x30], 0);
}

static void tsc_offset(void)
{
	const uint64_t off = 1ULL << 40;
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))l2_tsc);
	vmcb.control.tsc_offset = off;
	uint64_t t0 = rdtsc();
	svm_run(&vmcb);
	uint64_t t1 = rdtsc();
	uint64_t l2 = (uint64_t)l2_tsc_hi << 32 | l2_tsc_lo;
	check("tsc_exitcode", vmcb.control.exitcode, EXIT_VMMCALL);
	check_true("tsc_l2_offset_applied", l2 >= t0 + off && l2 <= t1 + off);
	check_true("tsc_l1_not_offset", t1 - t0 < off);
}

int main(void)
{
	svm_init("svm_vmrun_state");
	svm_enable();
	round_trip();
	idtr_reload();
	tsc_offset();
	return svm_result();
}
