/*
 * loop: the tight integer loop of x86/bench_test.go's BenchmarkInterpreterLoop
 * as a Multiboot v1 kernel, for comparing govmm with QEMU TCG (bench/run.sh).
 *
 *	mov $N, %ecx
 *	1: add %ecx, %eax ; xor %eax, %edx ; dec %ecx ; jnz 1b
 *
 * then it prints "loop eax=XXXXXXXX edx=XXXXXXXX\n" on COM1 and exits through
 * isa-debug-exit with value 0 (exit status 1 under govmm and QEMU).
 *
 * Result: eax = N(N+1)/2 mod 2^32 (checked by run.sh); edx, the XOR of the
 * running sums, has no closed form and is compared across engines.
 *
 * Guest instructions executed, exactly (counts of the serial.S routines there):
 *
 *	  5		cli, stack, mov N, two xors
 *	+ 4*N		the loop
 *	+ 2		save eax and edx
 *	+ 142		puts("loop eax=")	1 + 6 + 15*9
 *	+ 131		puthex(eax)
 *	+ 82		puts(" edx=")		1 + 6 + 15*5
 *	+ 1 + 131	puthex(edx)
 *	+ 22		puts("\n")		1 + 6 + 15*1
 *	+ 3		EXIT 0 (the OUT to 0xf4 is the last instruction)
 *	= 4*N + 519
 *
 * N defaults to LOOP_N below; run.sh passes --defsym LOOP_N=... (its LOOP_N
 * variable, default: the value here). 1 <= N < 2^32.
 */
	.ifndef LOOP_N
	.set LOOP_N, 750000000		/* 3e9 instructions: ~1.5 s under QEMU TCG */
	.endif

	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x00000003	/* page-align modules, want memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.include "serial.S"

	.text
	.code32
	.globl _start
_start:
	cli				/* 1 */
	mov	$stack_top, %esp	/* 1 */
	mov	$LOOP_N, %ecx		/* 1 */
	xor	%eax, %eax		/* 1 */
	xor	%edx, %edx		/* 1 */
1:	add	%ecx, %eax		/* 4 per iteration */
	xor	%eax, %edx
	dec	%ecx
	jnz	1b

	mov	%edx, %ebx		/* 1: puts and putc clobber edx */
	mov	%eax, %edi		/* 1 */
	mov	$s_eax, %esi		/* 1 */
	call	puts			/* 6 + 15*9 */
	call	puthex			/* 131 */
	mov	$s_edx, %esi		/* 1 */
	call	puts			/* 6 + 15*5 */
	mov	%ebx, %edi		/* 1 */
	call	puthex			/* 131 */
	mov	$s_nl, %esi		/* 1 */
	call	puts			/* 6 + 15*1 */
	EXIT	0			/* 3 */
2:	hlt				/* not reached */
	jmp	2b

	.section .rodata
s_eax:	.asciz	"loop eax="
s_edx:	.asciz	" edx="
s_nl:	.asciz	"\n"

	.bss
	.align 16
	.space 4096
stack_top:
