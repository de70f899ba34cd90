/*
 * svm_vmcb_checks: VMRUN's consistency checks on the VMCB L1 hands it
 * (nsvm-behaviours.md §7 items 6-18, 20-22, 25; §1.10.4-5, §2.3, §2.4;
 * AMD APM vol. 2, 15.5.1 "Canonicalization and Consistency Checks" and
 * 15.20 "Event Injection").
 *
 * Each case starts from a valid vmcb12 for a flat 32-bit L2 whose first
 * instruction is VMMCALL (intercepted), changes one thing and runs it:
 *   "<case>"        EXITCODE: ffffffffffffffff (VMEXIT_INVALID) for an
 *                   illegal VMCB, 81 (VMMCALL: L2 ran) for a legal one;
 *   "<case>_evinj"  EVENTINJ.V after the exit: 0 (a valid INTR was
 *                   programmed in every case, or the case's own event);
 *   "<case>_l1"     1 when L1 resumed right after VMRUN with its RSP and
 *                   RAX (= the vmcb12 address) and without an exception.
 * The illegal cases: EFER.SVME=0; CR0.CD=0 with NW=1; CR0[32]; DR6[32];
 * DR7[40]; EFER.LME+CR0.PG without CR4.PAE, without CR0.PE; long mode with
 * CR3 bit MAXPHYADDR set, or CS.L and CS.D both set; CR4[63]; EFER[63];
 * VMRUN intercept clear; ASID 0; MSRPM or IOPM reaching 2^MAXPHYADDR;
 * EVENTINJ types 1, 5, 6, 7; type 3 with vectors 2, 9, 15, 20, 22-27, 31.
 * A legacy-PAE L2 (no nested paging) whose CR3 points at PDPTEs with a
 * present second entry that sets reserved bit 2: a full #VMEXIT with
 * VMEXIT_INVALID (scenario 24); the same table with that entry not
 * present, or without the reserved bit, is legal.
 * NP_ENABLE with nCR3 at 2^MAXPHYADDR: VMEXIT_INVALID when CPUID
 * advertises NP, else the bit is ignored and L2 runs (scenario 19).
 * The legal ones: a long-mode L2 (same VMMCALL in 64-bit code); garbage in
 * bits 11:0 of the MSRPM/IOPM bases; EVENTINJ NMI with vector 0x55, INTR
 * and soft interrupt with any vector, #GP with an error code;
 * TLB_CONTROL 1, and 3 and 7 when FlushByAsid is advertised (one line
 * each: "SKIP tlb_control_N (no FlushByAsid)" otherwise).
 *
 * Scenarios: 19, 24
 */
#include "svm.h"

static struct vmcb vmcb;
static uint8_t msrpm[8192] __attribute__((aligned(4096)));
static uint8_t iopm[12288] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pae_pdpt[4] __attribute__((aligned(32)));

extern char l2_vmmcall[];
__asm__(".pushsection .text\n"
	"l2_vmmcall:\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

static void run_fn(uint32_t pa) { svm_vmrun((struct vmcb *)pa); }

static char namebuf[64];
static const char *suffix(const char *name, const char *sfx)
{
	int n = 0;
	while (name[n])
		namebuf[n] = name[n], n++;
	while (*sfx)
		namebuf[n++] = *sfx++;
	namebuf[n] = 0;
	return namebuf;
}

static void fresh(void)
{
	l2_reset();
	svm_vmcb_init(&vmcb, (void (*)(void))l2_vmmcall);
	vmcb.control.event_inj = EV_VALID | EV_TYPE_INTR | 0x30;
	vmcb.control.exitcode = 0x1234;
}

/* run runs the prepared vmcb and checks the outcome. */
static void run(const char *name, int legal)
{
	int vec = svm_probe(run_fn, (uint32_t)&vmcb);
	stgi();
	if (vec >= 0)
		printf("FAIL %s raised exception %x at %x\n", name, vec, probe_eip);
	check(name, vmcb.control.exitcode, legal ? EXIT_VMMCALL : EXIT_INVALID);
	check(suffix(name, "_evinj"), vmcb.control.event_inj & EV_VALID, 0);
	check(suffix(name, "_l1"), vec < 0 && svm_l1_esp_after == svm_l1_esp_before && svm_l1_eax_after == (uint32_t)&vmcb, 1);
}

/*
 * pae_mode makes vmcb a legacy-PAE L2 whose first PDPTE maps the low 1 GiB
 * (pd) and whose second is e.
 */
static void pae_mode(uint64_t e)
{
	pae_pdpt[0] = (uint32_t)pd | 1;
	pae_pdpt[1] = e;
	pae_pdpt[2] = pae_pdpt[3] = 0;
	vmcb.save.cr0 |= CR0_PG;
	vmcb.save.cr4 |= CR4_PAE;
	vmcb.save.cr3 = (uint32_t)pae_pdpt;
}

/* long_mode makes vmcb a valid 64-bit L2 (identity-mapped first 1 GiB). */
static void long_mode(void)
{
	struct vmcb_save *s = &vmcb.save;
	s->efer |= EFER_LME | EFER_LMA;
	s->cr0 |= CR0_PG;
	s->cr4 |= CR4_PAE;
	s->cr3 = (uint32_t)pml4;
	s->cs.sel = SEL_CS64;
	s->cs.attrib = 0xa9b; /* L=1, D=0 */
	/* An injected interrupt would need a 64-bit IDT: none here. */
	vmcb.control.event_inj = 0;
}

int main(void)
{
	svm_init("svm_vmcb_checks");
	svm_enable();
	note("maxphyaddr %d\n", svm_maxphys);
	pml4[0] = (uint32_t)pdpt | 3;
	pdpt[0] = (uint32_t)pd | 3;
	for (int i = 0; i < 512; i++)
		pd[i] = (uint64_t)i << 21 | 0x83;
	const uint64_t top = 1ULL << svm_maxphys;

	fresh();
	run("valid", 1);
	check("valid_intr_delivered", l2_count[0x30], 1);

	fresh();
	vmcb.save.efer &= ~(uint64_t)EFER_SVME;
	run("efer_svme0", 0);
	fresh();
	vmcb.save.cr0 |= CR0_NW;
	run("cr0_cd0_nw1", 0);
	fresh();
	vmcb.save.cr0 |= 1ULL << 32;
	run("cr0_bit32", 0);
	fresh();
	vmcb.save.dr6 |= 1ULL << 32;
	run("dr6_bit32", 0);
	fresh();
	vmcb.save.dr7 |= 1ULL << 40;
	run("dr7_bit40", 0);
	fresh();
	vmcb.save.efer |= EFER_LME;
	vmcb.save.cr0 |= CR0_PG;
	vmcb.save.cr3 = (uint32_t)pml4;
	run("lme_pg_nopae", 0);
	fresh();
	vmcb.save.efer |= EFER_LME;
	vmcb.save.cr0 = (vmcb.save.cr0 | CR0_PG) & ~(uint64_t)CR0_PE;
	vmcb.save.cr4 |= CR4_PAE;
	vmcb.save.cr3 = (uint32_t)pml4;
	run("lme_pg_nope", 0);
	fresh();
	pae_mode((uint32_t)pd | 1);
	run("pae_valid", 1);
	fresh();
	pae_mode((uint32_t)pd | 1 | 4);
	run("pae_pdpte_rsvd", 0);
	fresh();
	pae_mode((uint32_t)pd | 4);
	run("pae_pdpte_rsvd_not_present", 1);
	fresh();
	vmcb.control.nested_ctl = 1; /* NP_ENABLE */
	vmcb.control.n_cr3 = top;
	run("np_ncr3_maxphyaddr", !HAS(SVM_FEAT_NP));
	fresh();
	long_mode();
	run("long_mode_valid", 1);
	fresh();
	long_mode();
	vmcb.save.cr3 |= top;
	run("long_mode_cr3_maxphyaddr", 0);
	fresh();
	long_mode();
	vmcb.save.cs.attrib |= 0x400; /* D=1 with L=1 */
	run("long_mode_cs_l_d", 0);
	fresh();
	vmcb.save.cr4 |= 1ULL << 63;
	run("cr4_bit63", 0);
	fresh();
	vmcb.save.efer |= 1ULL << 63;
	run("efer_bit63", 0);
	fresh();
	vmcb_clear_intercept(&vmcb, INTERCEPT_VMRUN);
	run("no_vmrun_intercept", 0);
	fresh();
	vmcb.control.asid = 0;
	run("asid0", 0);
	fresh();
	vmcb_intercept(&vmcb, INTERCEPT_MSR);
	vmcb.control.msrpm_base_pa = top - 0x1000;
	run("msrpm_beyond_maxphyaddr", 0);
	fresh();
	vmcb_intercept(&vmcb, INTERCEPT_IOIO);
	vmcb.control.iopm_base_pa = top - 0x2000;
	run("iopm_beyond_maxphyaddr", 0);
	fresh();
	vmcb_intercept(&vmcb, INTERCEPT_MSR);
	vmcb_intercept(&vmcb, INTERCEPT_IOIO);
	vmcb.control.msrpm_base_pa = (uint32_t)msrpm | 0xabc;
	vmcb.control.iopm_base_pa = (uint32_t)iopm | 0x123;
	run("bitmap_low_bits_ignored", 1);

	static const uint8_t bad_types[] = {1, 5, 6, 7};
	for (unsigned i = 0; i < sizeof(bad_types); i++) {
		char n[32] = "eventinj_type_x";
		n[14] = (char)('0' + bad_types[i]);
		fresh();
		vmcb.control.event_inj = EV_VALID | (uint32_t)bad_types[i] << 8 | 0x30;
		run(n, 0);
	}
	static const uint8_t bad_vecs[] = {2, 9, 15, 20, 22, 23, 24, 25, 26, 27, 31};
	for (unsigned i = 0; i < sizeof(bad_vecs); i++) {
		char n[32] = "eventinj_exc_vector_xx";
		n[20] = "0123456789"[bad_vecs[i] / 10];
		n[21] = "0123456789"[bad_vecs[i] % 10];
		fresh();
		vmcb.control.event_inj = EV_VALID | EV_TYPE_EXC | bad_vecs[i];
		run(n, 0);
	}
	fresh();
	vmcb.control.event_inj = EV_VALID | EV_TYPE_NMI | 0x55;
	run("eventinj_nmi_vector_55", 1);
	check("eventinj_nmi_delivered", l2_exc.vec == VEC_NMI && l2_count[VEC_NMI] == 1, 1);
	fresh();
	vmcb.control.event_inj = EV_VALID | EV_TYPE_INTR | 0xfe;
	run("eventinj_intr_vector_fe", 1);
	check("eventinj_intr_delivered", l2_count[0xfe], 1);
	fresh();
	vmcb.control.event_inj = EV_VALID | EV_TYPE_SOFT | 0x03;
	vmcb.control.next_rip = (uint32_t)l2_vmmcall;
	run("eventinj_soft_vector_03", 1);
	check("eventinj_soft_delivered", l2_count[3], 1);
	fresh();
	vmcb.control.event_inj = EV_VALID | EV_TYPE_EXC | EV_ERR | VEC_GP;
	vmcb.control.event_inj_err = 0x18;
	run("eventinj_gp_with_error_code", 1);
	check("eventinj_gp_delivered", l2_count[VEC_GP], 1);

	fresh();
	vmcb.control.tlb_control = 1;
	run("tlb_control_1", 1);
	/* TLB_CONTROL 3 and 7 need FlushByAsid: one line each. */
	static const uint8_t asid_flush[] = {3, 7};
	for (unsigned i = 0; i < sizeof(asid_flush); i++) {
		char n[16] = "tlb_control_x";
		n[12] = (char)('0' + asid_flush[i]);
		if (!HAS(SVM_FEAT_FLUSHBYASID)) {
			printf("SKIP %s (no FlushByAsid)\n", n);
			continue;
		}
		fresh();
		vmcb.control.tlb_control = asid_flush[i];
		int vec = svm_probe(run_fn, (uint32_t)&vmcb);
		stgi();
		check(n, vec < 0 && vmcb.control.exitcode == EXIT_VMMCALL && !(vmcb.control.event_inj & EV_VALID), 1);
	}
	return svm_result();
}
