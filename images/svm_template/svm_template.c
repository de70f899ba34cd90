/*
 * svm_template: the smallest L1 hypervisor, to copy when writing a scenario.
 * It enables SVM, runs an L2 that executes CPUID (intercepted by L1), and
 * checks the #VMEXIT: exit code, the RIP of the CPUID and — when the CPU
 * advertises NRIPS — next_rip after it.
 *
 * To write your own: copy this directory to images/svm_NAME/, rename the
 * files, edit the scenario below, then
 *     sh images/build.sh                                   # builds every image
 *     go run ./cmd/govmm run images/svm_NAME/svm_NAME.elf --trace exits
 *     go test ./oracle -run 'TestImagesUnderQEMU/svm_NAME$' -update  # golden
 * The shared runtime is images/lib/c/svm.h (VMCB layout, svm_enable,
 * svm_vmcb_init, vmcb_intercept, svm_vmrun, check, svm_result).
 */
#include "svm.h"

static struct vmcb vmcb;

extern char l2_code[], l2_cpuid[];
__asm__(".pushsection .text\n"
	"l2_code:\n"
	"xor %eax, %eax\n"
	"l2_cpuid:\n"
	"cpuid\n"
	"ud2\n"
	".popsection\n");

int main(void)
{
	svm_init("svm_template");	/* prints the image name and the SVM features */
	svm_enable();			/* EFER.SVME and VM_HSAVE_PA */

	svm_vmcb_init(&vmcb, (void (*)(void))l2_code);	/* flat 32-bit L2 */
	vmcb_intercept(&vmcb, INTERCEPT_CPUID);
	svm_vmrun(&vmcb);

	check("cpuid_exit", vmcb.control.exitcode, EXIT_CPUID);
	check("cpuid_rip", vmcb.save.rip, (uint32_t)l2_cpuid);
	if (svm_feat & SVM_FEAT_NRIPS)
		check("cpuid_next_rip", vmcb.control.next_rip, (uint32_t)l2_cpuid + 2);
	else
		printf("SKIP cpuid_next_rip (no NRIPS)\n");	/* same line count either way */
	return svm_result();
}
