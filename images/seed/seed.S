/*
 * seed: govmm's seed scenario in L1. A code breakpoint (DR0, DR7.L0) sits
 * on an INT3 that is entered through IRET with RF=1, so the breakpoint is
 * legitimately suppressed. Architecturally the #BP handler then runs
 * exactly once, its return address is the instruction after the INT3, and
 * no #DB happens.
 *
 * Under govmm with --mmu-zap=exit, the CPUID just before forces an exit
 * after which L0 drops its shadow page tables, so delivering the #BP takes
 * shadow #PF exits while vectoring (IDT, stack). L0 must re-inject the #BP
 * with next_rip after the INT3 (KVM since 2022). With --soft-int=retry, L0
 * instead lets the INT3 execute again, with RF now clear: the breakpoint
 * fires and the #DB check fails — the old KVM bug.
 *
 * Prints PASS/FAIL lines; exits with 0 when all pass, 1 otherwise.
 */
	.include "rt.S"

	.text
	.globl main
main:
	/* A private IDT in its own page, so that after L0 drops its shadow the
	 * #BP's delivery is the first to touch it. Vectors 1 (#DB) and 3 (#BP)
	 * go to this test's handlers. */
	mov	$db_handler, %eax
	mov	$1, %ecx
	call	set_gate
	mov	$bp_handler, %eax
	mov	$3, %ecx
	call	set_gate
	lidt	seed_idtr

	mov	$the_int3, %eax
	mov	%eax, %dr0
	mov	$0x401, %eax		/* L0, execute breakpoint, 1 byte */
	mov	%eax, %dr7

	xor	%eax, %eax
	cpuid				/* an exit: L0 may drop its shadow here */

	pushl	$0x10002		/* EFLAGS with RF: skip the breakpoint once */
	pushl	$RT_CS32
	pushl	$the_int3
	iret
the_int3:
	int3
after_int3:
	xor	%eax, %eax
	mov	%eax, %dr7
	lidt	rt_idtr			/* back to the runtime's recording stubs */

	xor	%ebx, %ebx		/* failures */
	PUTS	"#BP handler ran "
	HEX32	bp_count
	cmpl	$1, bp_count
	call	verdict
	PUTS	"#BP return address is after the INT3 "
	mov	bp_rip, %eax
	cmp	$after_int3, %eax
	call	verdict
	PUTS	"#DB handler ran "
	HEX32	db_count
	cmpl	$0, db_count
	call	verdict
	mov	%ebx, %eax
	ret

/* verdict: print PASS if ZF else FAIL (and count it in EBX), then a newline. */
verdict:
	jne	1f
	PUTS	" PASS\n"
	ret
1:	PUTS	" FAIL\n"
	inc	%ebx
	ret

/* set_gate: point IDT vector ECX at handler EAX (32-bit interrupt gate). */
set_gate:
	mov	%eax, %edx
	and	$0xffff, %eax
	or	$RT_CS32 << 16, %eax
	and	$0xffff0000, %edx
	or	$0x8e00, %edx
	mov	%eax, seed_idt(,%ecx,8)
	mov	%edx, seed_idt+4(,%ecx,8)
	ret

bp_handler:
	incl	bp_count
	push	%eax
	mov	4(%esp), %eax		/* pushed EIP */
	mov	%eax, bp_rip
	pop	%eax
	iret

db_handler:
	incl	db_count
	orl	$0x10000, 8(%esp)	/* return with RF set, as a debugger does */
	iret

	.data
seed_idtr:	.word 8*32 - 1
		.long seed_idt
bp_count:	.long 0
bp_rip:		.long 0
db_count:	.long 0

	.bss
	.balign 4096
seed_idt:	.skip 4096
