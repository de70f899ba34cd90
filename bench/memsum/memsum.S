/*
 * memsum: a load/store/checksum loop, the one of x86/bench_test.go's
 * BenchmarkInterpreterMemcpy plus an increment, as a Multiboot v1 kernel for
 * comparing govmm with QEMU TCG (bench/run.sh).
 *
 * It fills buffer A (M dwords) with A[i] = i, then makes R passes, each
 * copying one buffer into the other (A->B, B->A, A->B, ...) while summing
 * what it loads and storing it plus one:
 *
 *	1: mov (%esi), %eax ; add %eax, %ebx ; inc %eax ; mov %eax, (%edi)
 *	   add $4, %esi ; add $4, %edi ; dec %ecx ; jnz 1b
 *
 * so pass p loads i+p from every slot i. It prints "memsum sum=XXXXXXXX\n"
 * on COM1 and exits through isa-debug-exit with value 0 (exit status 1).
 *
 * Result: sum = R*M*(M-1)/2 + M*R*(R-1)/2 mod 2^32 (checked by run.sh); a
 * lost or misplaced store changes it.
 *
 * Guest instructions executed, exactly (counts of the serial.S routines there):
 *
 *	  2		cli, stack
 *	+ 3 + 5*M	fill A
 *	+ 4		sum, pointers, pass count
 *	+ R*(6 + 8*M)	the passes: mov M, 8 per dword, 5 to swap and loop
 *	+ 2 + 171	puts("memsum sum=")	1 + 6 + 15*11
 *	+ 131		puthex(sum)
 *	+ 22		puts("\n")		1 + 6 + 15*1
 *	+ 3		EXIT 0 (the OUT to 0xf4 is the last instruction)
 *	= 5*M + R*(8*M + 6) + 338
 *
 * M (MEMSUM_M, dwords per buffer) and R (MEMSUM_R, passes) default to the
 * values below; run.sh passes --defsym for both. M >= 1, R >= 1, 8*M < 2^32.
 */
	.ifndef MEMSUM_M
	.set MEMSUM_M, 16384		/* 64 KiB per buffer, as BenchmarkInterpreterMemcpy */
	.endif
	.ifndef MEMSUM_R
	.set MEMSUM_R, 24000		/* 3.1e9 instructions: ~1.5 s under QEMU TCG */
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

	mov	$buf_a, %edi		/* 1 */
	xor	%eax, %eax		/* 1 */
	mov	$MEMSUM_M, %ecx		/* 1 */
1:	mov	%eax, (%edi)		/* 5 per dword */
	inc	%eax
	add	$4, %edi
	dec	%ecx
	jnz	1b

	xor	%ebx, %ebx		/* 1: the sum */
	mov	$buf_a, %esi		/* 1: source */
	mov	$buf_b, %edi		/* 1: destination */
	mov	$MEMSUM_R, %edx		/* 1: passes left */
2:	mov	$MEMSUM_M, %ecx		/* 1 per pass */
3:	mov	(%esi), %eax		/* 8 per dword */
	add	%eax, %ebx
	inc	%eax
	mov	%eax, (%edi)
	add	$4, %esi
	add	$4, %edi
	dec	%ecx
	jnz	3b
	sub	$4*MEMSUM_M, %esi	/* 5 per pass: rewind, swap, loop */
	sub	$4*MEMSUM_M, %edi
	xchg	%esi, %edi
	dec	%edx
	jnz	2b

	mov	%ebx, %edi		/* 1 */
	mov	$s_sum, %esi		/* 1 */
	call	puts			/* 6 + 15*11 */
	call	puthex			/* 131 */
	mov	$s_nl, %esi		/* 1 */
	call	puts			/* 6 + 15*1 */
	EXIT	0			/* 3 */
4:	hlt				/* not reached */
	jmp	4b

	.section .rodata
s_sum:	.asciz	"memsum sum="
s_nl:	.asciz	"\n"

	.bss
	.align 4096
buf_a:	.space 4*MEMSUM_M
buf_b:	.space 4*MEMSUM_M
	.space 4096
stack_top:
