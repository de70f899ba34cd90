/*
 * null: the startup baseline of bench/run.sh. A Multiboot v1 kernel that
 * exits through isa-debug-exit at once with value 0 (exit status 1), so its
 * wall time is the engine's own start-up and shut-down cost, which run.sh
 * subtracts from the workloads' times.
 *
 * Guest instructions executed: 3 (the OUT to 0xf4 is the last).
 */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x00000003	/* page-align modules, want memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	mov	$0xf4, %dx		/* 1 */
	xor	%eax, %eax		/* 1 */
	outl	%eax, %dx		/* 1: the VM stops here */
1:	hlt				/* not reached */
	jmp	1b
