/*
 * svm_seed: the seed scenario one level down — L2's own soft interrupts
 * interrupted by exits L0 takes while vectoring them (nsvm-behaviours.md
 * §7 items 42-45, design.md §3). L1 intercepts only VMMCALL (and VMRUN),
 * so L1 must see nothing but L2's final VMMCALL.
 *
 * L2 arms a code breakpoint (DR0, execute, DR7.L0) on the instruction,
 * reloads CR3 (a TLB flush: govmm's L0 drops L2's shadow page table, so
 * the IDT read of the coming delivery takes an L0 #PF exit whose
 * EXITINTINFO holds the event) and enters the instruction by IRET with
 * RFLAGS.RF = 1, which suppresses the breakpoint once, as a debugger
 * resuming would. Architecturally the instruction then raises its event
 * exactly once; its handler returns after it; no #DB follows (a retried
 * instruction would hit the breakpoint again).
 *   int3   INT3 (#BP, return EIP = INT3+1)         item 42/43
 *   into   INTO with OF = 1 (#OF, EIP = INTO+1)   item 44
 *   int80  INT 0x80 (vector 0x80, EIP = INT+2)    item 45
 * Lines per case: _exit (VMMCALL after the instruction), _count (handler
 * runs), _ret_eip, _no_db (no #DB in L2).
 *   np     INT 0x81 through a not-present gate (item 51): the INT n raises
 *          #NP with error code 0x40a (IDT, vector 0x81) — a fault, so the
 *          #NP handler's return address is the INT n itself. Delivering
 *          the #NP takes the L0 exit; the #NP (not the INT n) is what is
 *          re-injected, once. The handler reports with VMMCALL:
 *          np_exit, np_vector, np_count, np_errcode, np_eip, np_no_db.
 */
#include "svm.h"

static struct vmcb vmcb;

/* SEED_CASE name, insn: L2 code arming DR0 on label name_insn. */
#define SEED_CASE(name, pre, insn)                                             \
	"l2_" name ":\n"                                                       \
	"mov $l2_" name "_insn, %eax\n"                                        \
	"mov %eax, %dr0\n"                                                     \
	"mov $0x401, %eax\n"                                                   \
	"mov %eax, %dr7\n"                                                     \
	pre                                                                    \
	"mov %cr3, %eax\n"                                                     \
	"mov %eax, %cr3\n"                                                     \
	"pushf\n"                                                              \
	"orl $0x10000, (%esp)\n"                                               \
	"pushl $0x08\n"                                                        \
	"pushl $l2_" name "_insn\n"                                            \
	"iret\n"                                                               \
	"l2_" name "_insn:\n" insn "\n"                                        \
	"l2_" name "_after:\n"                                                 \
	"vmmcall\n"                                                            \
	"ud2\n"

extern char l2_int3[], l2_int3_after[], l2_into[], l2_into_after[], l2_int80[], l2_int80_after[], l2_np[],
	l2_np_insn[];
__asm__(".pushsection .text\n"
	SEED_CASE("int3", "", "int3")
	SEED_CASE("into", "mov $0x7f, %al\nadd $1, %al\n", "into")
	SEED_CASE("int80", "", "int $0x80")
	SEED_CASE("np", "", "int $0x81")
	".popsection\n");

static void run_case(const char *name, char *entry, char *after, unsigned vec)
{
	char n[32];
	int k = 0;
	while (name[k])
		n[k] = name[k], k++;
	l2_reset();
	l2_mode[vec] = L2_IRET;
	l2_mode[VEC_DB] = L2_IRET_RF;
	svm_vmcb_init(&vmcb, (void (*)(void))entry);
	svm_run(&vmcb);
	memcpy(n + k, "_exit", 6);
	check(n, vmcb.control.exitcode, EXIT_VMMCALL);
	memcpy(n + k, "_rip", 5);
	check(n, vmcb.save.rip, (uint32_t)after);
	memcpy(n + k, "_count", 7);
	check(n, l2_count[vec], 1);
	memcpy(n + k, "_ret_eip", 9);
	check(n, l2_exc.vec == vec ? l2_exc.frame[0] : 0, (uint32_t)after);
	memcpy(n + k, "_no_db", 7);
	check(n, l2_count[VEC_DB], 0);
}

int main(void)
{
	svm_init("svm_seed");
	svm_enable();
	run_case("int3", l2_int3, l2_int3_after, VEC_BP);
	run_case("into", l2_into, l2_into_after, VEC_OF);
	run_case("int80", l2_int80, l2_int80_after, 0x80);

	l2_reset();
	l2_mode[VEC_DB] = L2_IRET_RF;
	l2_idt[0x81] &= ~(1ULL << 47);
	svm_vmcb_init(&vmcb, (void (*)(void))l2_np);
	svm_run(&vmcb);
	check("np_exit", vmcb.control.exitcode, EXIT_VMMCALL);
	check("np_vector", l2_exc.vec, VEC_NP);
	check("np_count", l2_count[VEC_NP], 1);
	check("np_errcode", l2_exc.frame[0], 0x81 * 8 + 2);
	check("np_eip", l2_exc.frame[1], (uint32_t)l2_np_insn);
	check("np_no_db", l2_count[VEC_DB], 0);
	return svm_result();
}
