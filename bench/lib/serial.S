/*
 * serial.S: COM1 output and isa-debug-exit for the bench kernels, written so
 * that the number of instructions each routine executes is a constant.
 * .include'd by loop.S and memsum.S (as -I bench/lib).
 *
 * Instruction counts, each including the CALL that invokes the routine and
 * assuming that every poll of LSR finds THRE set (true under govmm, whose
 * UART transmits instantly, and under QEMU, whose UART hands each byte to the
 * chardev at once; every extra poll would add 3 instructions):
 *
 *	call putc		10			(AL = byte)
 *	call puts		6 + 15*len		(ESI = NUL-terminated string)
 *	call puthex		131			(EDI = value, 8 hex digits)
 *	EXIT v			3			(the OUT is the last one)
 *
 * putc clobbers EDX only; puts also clobbers EAX and ESI; puthex clobbers
 * EAX, ECX and EDX (EDI is rotated by 32 bits, i.e. unchanged).
 */
	.set COM1, 0x3f8
	.set DEBUG_EXIT, 0xf4

/* Write v to isa-debug-exit: govmm and QEMU exit with status (v<<1)|1. */
	.macro EXIT v
	mov	$DEBUG_EXIT, %dx	/* 1 */
	mov	$\v, %eax		/* 1 */
	outl	%eax, %dx		/* 1: the VM stops here */
	.endm

	.text
	.code32
/* putc: 1 (call) + 8 + 1 (ret) = 10 */
putc:	push	%eax			/* 1 */
	mov	$COM1+5, %dx		/* 1 */
1:	inb	%dx, %al		/* 1 per poll: LSR */
	testb	$0x20, %al		/* 1 per poll: THRE? */
	jz	1b			/* 1 per poll */
	pop	%eax			/* 1 */
	mov	$COM1, %dx		/* 1 */
	outb	%al, %dx		/* 1 */
	ret				/* 1 */

/* puts: 1 (call) + 15 per byte + 4 for the NUL + 1 (ret) = 6 + 15*len */
puts:	movb	(%esi), %al		/* 1 per byte, and for the NUL */
	inc	%esi			/* 1 */
	testb	%al, %al		/* 1 */
	jz	2f			/* 1 */
	call	putc			/* 10 per byte */
	jmp	puts			/* 1 per byte */
2:	ret				/* 1 */

/* puthex: 1 (call) + 1 + 16 per digit * 8 + 1 (ret) = 131 */
puthex:	mov	$8, %ecx		/* 1 */
1:	rol	$4, %edi		/* 1 per digit */
	mov	%edi, %eax		/* 1 */
	and	$15, %eax		/* 1 */
	movb	hexdigits(%eax), %al	/* 1 */
	call	putc			/* 10 */
	dec	%ecx			/* 1 */
	jnz	1b			/* 1 */
	ret				/* 1 */

	.section .rodata
hexdigits:
	.ascii	"0123456789abcdef"
	.text
