/*
 * svm_route_insn: which of L2's instructions exit to L1, with what exit
 * information (nsvm-behaviours.md §7 items 58-62, §1.3, §4; AMD APM vol.
 * 2, 15.8-15.11 and appendix C). L0 intercepts many of these for itself;
 * L1 must see exactly the exits its own vmcb12 asks for.
 *
 * One L2 program runs through the instructions below; L1 checks each exit
 * ("<step>_exit" code, "_rip" = the instruction, "_nrip" = the next one
 * when NRIPS is advertised (else the field is not written), "_info1" and
 * "_info2" where the APM defines them; "SKIP ..._info1" for the CR0
 * decode-assist information without DecodeAssists),
 * emulates the instruction and resumes L2 after it:
 *   cpuid     CPUID intercepted: 0x72; L1's emulated EAX reaches L2.
 *   hlt       HLT intercepted: 0x78.
 *   out80     OUT 0x80, AL with IOPM bit 0x80: 0x7b, EXITINFO1 =
 *             port<<16 | SZ8 | A32, EXITINFO2 = next RIP.
 *   in2ff     IN EAX, DX at 0x2ff with only port 0x301's bit: the access
 *             reaches into an intercepted port: 0x7b, SZ32 | A32 | IN.
 *             (IN EAX at 0x2fb, bits clear for 0x2fb-0x2fe: no exit.)
 *   out3ff    OUT DX, AX at 0x3ff with only 0x400's bit (the bit is in
 *             the next IOPM byte): 0x7b, SZ16 | A32.
 *   wrfs      MSRPM has FS_BASE's write bit only: RDMSR stays in L0,
 *             WRMSR exits 0x7c with EXITINFO1 = 1 and ECX = the MSR.
 *   rdsys     SYSENTER_CS's read bit only: RDMSR exits with EXITINFO1 = 0,
 *             WRMSR does not.
 *   rdout     RDMSR of 0x40000000 (outside the MSRPM ranges) exits.
 *   cr0wp     selective CR0 intercept: toggling TS, then MP, does not exit;
 *             setting WP exits 0x65 (EXITINFO1 = bit 63 | GPR with
 *             DecodeAssists); L1 emulates it.
 *   lmsw_pe   LMSW that would clear PE does not (no exit, PE stays 1);
 *   lmsw_em   LMSW setting EM exits 0x65.
 * Before it, three short runs:
 *   cr0full   with the CR0 write intercept (not selective), a TS toggle
 *             exits 0x10.
 *   cpuid_l0  CPUID not intercepted by L1: L0 emulates it, L1 sees only
 *             the final VMMCALL; L2's leaf 0 matches L1's.
 *   noioio    IOIO_PROT clear: OUT 0x80 does not exit.
 */
#include "svm.h"

static struct vmcb vmcb;
static uint8_t iopm[12288] __attribute__((aligned(4096)));
static uint8_t msrpm[8192] __attribute__((aligned(4096)));

extern char r_cpuid[], r_hlt[], r_out80[], r_in2ff[], r_out3ff[], r_wrfs[], r_rdsys[], r_rdout[], r_cr0wp[],
	r_lmsw_em[], r_end[], l2_route[];
extern char l2_cr0full[], c_write[], l2_cpuid[], l2_noioio[];
__asm__(".pushsection .text\n"
	"l2_route:\n"
	"xor %eax, %eax\n"
	"r_cpuid: cpuid\n"
	"mov %eax, %esi\n"
	"r_hlt: hlt\n"
	"mov $0x55, %al\n"
	"r_out80: outb %al, $0x80\n"
	"mov $0x2ff, %dx\n"
	"r_in2ff: inl %dx, %eax\n"
	"mov $0x2fb, %dx\n"
	"inl %dx, %eax\n"
	"mov $0x3ff, %dx\n"
	"r_out3ff: outw %ax, %dx\n"
	"mov $0xc0000100, %ecx\n"
	"rdmsr\n"
	"r_wrfs: wrmsr\n"
	"mov $0x174, %ecx\n"
	"r_rdsys: rdmsr\n"
	"wrmsr\n"
	"mov $0x40000000, %ecx\n"
	"r_rdout: rdmsr\n"
	"mov %eax, %edi\n"
	"mov %cr0, %eax\n"
	"xor $8, %eax\n"
	"mov %eax, %cr0\n"
	"xor $8, %eax\n"
	"mov %eax, %cr0\n"
	"xor $2, %eax\n"
	"mov %eax, %cr0\n"
	"xor $2, %eax\n"
	"mov %eax, %cr0\n"
	"or $0x10000, %eax\n"
	"r_cr0wp: mov %eax, %cr0\n"
	"mov %cr0, %eax\n"
	"and $0xfffe, %eax\n"
	"lmsw %ax\n"
	"mov %cr0, %ebx\n"
	"or $4, %eax\n"
	"r_lmsw_em: lmsw %ax\n"
	"r_end: vmmcall\n"
	"ud2\n"
	"l2_cr0full:\n"
	"mov %cr0, %eax\n"
	"xor $8, %eax\n"
	"c_write: mov %eax, %cr0\n"
	"vmmcall\n"
	"ud2\n"
	"l2_cpuid:\n"
	"xor %eax, %eax\n"
	"cpuid\n"
	"vmmcall\n"
	"ud2\n"
	"l2_noioio:\n"
	"mov $0x55, %al\n"
	"outb %al, $0x80\n"
	"vmmcall\n"
	"ud2\n"
	".popsection\n");

#define NOINFO 0xffffffffffffffffULL
#define DAINFO 0xfffffffffffffffeULL /* defined only with DecodeAssists */

/* step runs L2 to its next exit and checks it; len is the instruction's
 * length (for NRIP, EXITINFO2 of IOIO, and the skip). */
static void step(const char *c, uint32_t code, char *rip, uint32_t len, uint64_t info1, int info2_next)
{
	vmcb.control.next_rip = 0xdead;
	svm_run(&vmcb);
	check(case_name(c, "exit"), vmcb.control.exitcode, code);
	check(case_name(c, "rip"), vmcb.save.rip, (uint32_t)rip);
	check(case_name(c, "nrip"), vmcb.control.next_rip, HAS(SVM_FEAT_NRIPS) ? (uint32_t)rip + len : 0xdead);
	if (info1 == DAINFO)
		printf("SKIP %s (no DecodeAssists)\n", case_name(c, "info1"));
	else if (info1 != NOINFO)
		check(case_name(c, "info1"), vmcb.control.exitinfo1, info1);
	if (info2_next)
		check(case_name(c, "info2"), vmcb.control.exitinfo2, (uint32_t)rip + len);
	vmcb.save.rip = (uint32_t)rip + len;
}

static void msrpm_set(uint32_t msr, int write)
{
	uint32_t base = msr >= 0xc0000000 ? 0x800 * 8 : 0;
	uint32_t bit = base + (msr & 0x1fff) * 2 + (write ? 1 : 0);
	msrpm[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void iopm_set(uint32_t port) { iopm[port / 8] |= (uint8_t)(1u << (port % 8)); }

int main(void)
{
	uint32_t a, b, c, d;
	svm_init("svm_route_insn");
	svm_enable();
	int da = HAS(SVM_FEAT_DECODEASSISTS);
	iopm_set(0x80);
	iopm_set(0x301);
	iopm_set(0x400);
	msrpm_set(MSR_FS_BASE, 1);
	msrpm_set(MSR_SYSENTER_CS, 0);

	svm_vmcb_init(&vmcb, (void (*)(void))l2_cr0full);
	vmcb_intercept(&vmcb, INTERCEPT_CR0_WRITE);
	step("cr0full", EXIT_CR0_WRITE, c_write, 3, da ? 1ULL << 63 : DAINFO, 0);

	svm_vmcb_init(&vmcb, (void (*)(void))l2_cpuid);
	svm_run(&vmcb);
	cpuid(0, 0, &a, &b, &c, &d);
	check("cpuid_l0_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("cpuid_l0_leaf0", vmcb.save.rax == a && svm_l2_gprs.ebx == b && svm_l2_gprs.ecx == c && svm_l2_gprs.edx == d, 1);

	svm_vmcb_init(&vmcb, (void (*)(void))l2_noioio);
	vmcb.control.iopm_base_pa = (uint32_t)iopm;
	svm_run(&vmcb);
	check("noioio_exit", vmcb.control.exitcode, EXIT_VMMCALL);

	svm_vmcb_init(&vmcb, (void (*)(void))l2_route);
	vmcb_intercept(&vmcb, INTERCEPT_CPUID);
	vmcb_intercept(&vmcb, INTERCEPT_HLT);
	vmcb_intercept(&vmcb, INTERCEPT_IOIO);
	vmcb_intercept(&vmcb, INTERCEPT_MSR);
	vmcb_intercept(&vmcb, INTERCEPT_CR0_SEL);
	vmcb.control.iopm_base_pa = (uint32_t)iopm;
	vmcb.control.msrpm_base_pa = (uint32_t)msrpm;

	step("cpuid", EXIT_CPUID, r_cpuid, 2, NOINFO, 0);
	vmcb.save.rax = 0xfeedface;
	step("hlt", EXIT_HLT, r_hlt, 1, NOINFO, 0);
	check("cpuid_emulated_eax", svm_l2_gprs.esi, 0xfeedface);
	step("out80", EXIT_IOIO, r_out80, 2, 0x80u << 16 | IOIO_SZ8 | IOIO_A32, 1);
	step("in2ff", EXIT_IOIO, r_in2ff, 1, 0x2ffu << 16 | IOIO_SZ32 | IOIO_A32 | IOIO_IN, 1);
	vmcb.save.rax = 0x12345678;
	step("out3ff", EXIT_IOIO, r_out3ff, 2, 0x3ffu << 16 | IOIO_SZ16 | IOIO_A32, 1);
	step("wrfs", EXIT_MSR, r_wrfs, 2, 1, 0);
	check("wrfs_ecx", svm_l2_gprs.ecx, MSR_FS_BASE);
	step("rdsys", EXIT_MSR, r_rdsys, 2, 0, 0);
	check("rdsys_ecx", svm_l2_gprs.ecx, MSR_SYSENTER_CS);
	vmcb.save.rax = SEL_CS32;
	svm_l2_gprs.edx = 0;
	step("rdout", EXIT_MSR, r_rdout, 2, 0, 0);
	check("rdout_ecx", svm_l2_gprs.ecx, 0x40000000);
	vmcb.save.rax = 0x4b4b4b4b;
	svm_l2_gprs.edx = 0;
	step("cr0wp", EXIT_CR0_SEL, r_cr0wp, 3, da ? 1ULL << 63 : DAINFO, 0);
	check("cr0wp_value", vmcb.save.rax & CR0_WP, CR0_WP);
	check("cr0wp_ts_mp_untouched", vmcb.save.cr0 & (CR0_TS | CR0_MP), 0);
	vmcb.save.cr0 = (uint32_t)vmcb.save.rax;
	step("lmsw_em", EXIT_CR0_SEL, r_lmsw_em, 3, NOINFO, 0);
	check("lmsw_pe_kept", svm_l2_gprs.ebx & CR0_PE, CR0_PE);
	check("rdout_emulated", svm_l2_gprs.edi, 0x4b4b4b4b);
	check("sysenter_cs_written", rdmsr(MSR_SYSENTER_CS), SEL_CS32);
	svm_run(&vmcb);
	check("end_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("end_rip", vmcb.save.rip, (uint32_t)r_end);

	return svm_result();
}
