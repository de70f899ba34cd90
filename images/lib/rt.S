/*
 * rt.S: the tiny runtime of govmm's 32-bit protected-mode test kernels.
 *
 * An image .includes it first and defines "main":
 *
 *	.include "rt.S"
 *	main:	...		(cdecl-free: any registers may be used)
 *		xor %eax, %eax	(EAX = value for isa-debug-exit)
 *		ret
 *
 * rt.S provides the Multiboot v1 header, _start (own flat GDT, 16 KiB stack,
 * clean RFLAGS, masked PICs, an IDT for vectors 0-31), the console helpers
 * below and exit.
 * Every helper preserves all registers and RFLAGS unless it says otherwise.
 *
 *	rt_putc		print AL
 *	rt_puts		print the NUL-terminated string at ESI
 *	rt_nl, rt_space	print "\n", " "
 *	rt_hex8/16/32	print AL / AX / EAX in hex (2, 4, 8 digits)
 *	rt_hex64	print EDX:EAX in hex (16 digits)
 *	rt_hexdump	print ECX bytes at ESI as hex, space separated
 *	rt_exit		write EAX to isa-debug-exit (does not return)
 *
 * Exceptions: every vector 0-31 goes to a stub that records the vector,
 * error code (0 if the vector has none), EIP and CR2 in rt_exc_vec,
 * rt_exc_err, rt_exc_eip, rt_exc_cr2, counts it in rt_exc_count and prints
 *	"  exc #DE vec=00 err=00000000 eip=00101234 cr2=00000000"
 * If a test armed it with EXPECT_EXC label, the handler resumes at label;
 * otherwise it prints "unexpected exception" and exits with RT_EXIT_EXC.
 */
	.include "macros.S"

	.set RT_EXIT_EXC, 2		/* exit value after an unexpected exception */
	.set RT_STACK_SIZE, 16384
	.set RT_NVEC, 32

	MULTIBOOT_HEADER

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	mov	$rt_stack_top, %esp
	mov	%eax, rt_mb_magic
	mov	%ebx, rt_mb_info
	lgdt	rt_gdtr
	ljmp	$RT_CS32, $1f
1:	mov	$RT_DS32, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	pushl	$FL_FIXED
	popfl
	mov	$0xff, %al		/* mask the 8259 PICs: under QEMU the BIOS */
	outb	%al, $0x21		/* left IRQ0 (timer) on vector 8; a test */
	outb	%al, $0xa1		/* that sets IF must not take it */
	call	rt_idt_install
	call	main
	jmp	rt_exit

/* rt_exit: EAX = value for isa-debug-exit. Never returns. */
	.globl rt_exit
rt_exit:
	mov	$RT_EXIT_PORT, %dx
	outl	%eax, %dx
1:	cli				/* not reached: the exit device stops the VM */
	hlt
	jmp	1b

/* rt_putc: print AL on COM1 (poll LSR.THRE, then write THR). */
	.globl rt_putc
rt_putc:
	pushfl
	push	%edx
	push	%eax
	mov	$RT_COM1+5, %dx
1:	inb	%dx, %al
	testb	$RT_LSR_THRE, %al
	jz	1b
	pop	%eax
	mov	$RT_COM1, %dx
	outb	%al, %dx
	pop	%edx
	popfl
	ret

/* rt_puts: print the NUL-terminated string at ESI. */
	.globl rt_puts
rt_puts:
	pushfl
	push	%esi
	push	%eax
1:	movb	(%esi), %al
	testb	%al, %al
	jz	2f
	call	rt_putc
	inc	%esi
	jmp	1b
2:	pop	%eax
	pop	%esi
	popfl
	ret

	.globl rt_nl
rt_nl:
	PUTC	'\n'
	ret

	.globl rt_space
rt_space:
	PUTC	' '
	ret

/* rt_hexd: print the top ECX nibbles of EDX, most significant first.
 * Clobbers EAX, ECX, EDX and RFLAGS (internal). */
rt_hexd:
1:	roll	$4, %edx
	mov	%edx, %eax
	and	$0xf, %eax
	movb	rt_hexdigits(%eax), %al
	call	rt_putc
	dec	%ecx
	jnz	1b
	ret

	.globl rt_hex8
rt_hex8:
	pushfl
	pushal
	movzbl	%al, %edx
	shl	$24, %edx
	mov	$2, %ecx
	call	rt_hexd
	popal
	popfl
	ret

	.globl rt_hex16
rt_hex16:
	pushfl
	pushal
	movzwl	%ax, %edx
	shl	$16, %edx
	mov	$4, %ecx
	call	rt_hexd
	popal
	popfl
	ret

	.globl rt_hex32
rt_hex32:
	pushfl
	pushal
	mov	%eax, %edx
	mov	$8, %ecx
	call	rt_hexd
	popal
	popfl
	ret

	.globl rt_hex64
rt_hex64:
	pushfl
	pushal
	push	%eax
	mov	$8, %ecx
	call	rt_hexd			/* EDX = high half */
	pop	%edx
	mov	$8, %ecx
	call	rt_hexd
	popal
	popfl
	ret

/* rt_hexdump: print ECX bytes at ESI as two-digit hex, space separated. */
	.globl rt_hexdump
rt_hexdump:
	pushfl
	pushal
	test	%ecx, %ecx
	jz	3f
	jmp	2f
1:	call	rt_space
2:	movb	(%esi), %al
	call	rt_hex8
	inc	%esi
	dec	%ecx
	jnz	1b
3:	popal
	popfl
	ret

/* rt_idt_install: point vectors 0-31 at the recording stubs and load IDTR. */
	.globl rt_idt_install
rt_idt_install:
	pushfl
	pushal
	xor	%ecx, %ecx
1:	mov	rt_exc_stubs(,%ecx,4), %eax
	mov	%eax, %edx
	and	$0xffff, %eax
	or	$RT_CS32 << 16, %eax	/* selector:offset[15:0] */
	and	$0xffff0000, %edx
	or	$0x8e00, %edx		/* P=1, DPL=0, 32-bit interrupt gate */
	mov	%eax, rt_idt(,%ecx,8)
	mov	%edx, rt_idt+4(,%ecx,8)
	inc	%ecx
	cmp	$RT_NVEC, %ecx
	jb	1b
	lidt	rt_idtr
	popal
	popfl
	ret

/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
	.set RT_ERRMASK, (1<<8)|(1<<10)|(1<<11)|(1<<12)|(1<<13)|(1<<14)|(1<<17)|(1<<21)|(1<<29)|(1<<30)

	.macro RT_EXC_STUB vec
rt_exc_stub_\vec:
	.if ((RT_ERRMASK >> \vec) & 1) == 0
	pushl	$0
	.endif
	pushl	$\vec
	jmp	rt_exc_common
	.endm

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	RT_EXC_STUB \v
	.endr

/* Frame on entry: vector, error code, EIP, CS, EFLAGS (ring 0: no SS:ESP). */
rt_exc_common:
	pushal
	mov	32(%esp), %eax
	mov	%eax, rt_exc_vec
	mov	36(%esp), %eax
	mov	%eax, rt_exc_err
	mov	40(%esp), %eax
	mov	%eax, rt_exc_eip
	mov	%cr2, %eax
	mov	%eax, rt_exc_cr2
	incl	rt_exc_count
	PUTS	"  exc #"
	mov	rt_exc_vec, %eax
	lea	rt_exc_names(,%eax,2), %esi
	movb	(%esi), %al
	call	rt_putc
	movb	1(%esi), %al
	call	rt_putc
	PUTS	" vec="
	HEX8	rt_exc_vec
	PUTS	" err="
	HEX32	rt_exc_err
	PUTS	" eip="
	HEX32	rt_exc_eip
	PUTS	" cr2="
	HEX32	rt_exc_cr2
	NL
	mov	rt_exc_resume, %eax
	test	%eax, %eax
	jz	1f
	movl	$0, rt_exc_resume
	mov	%eax, 40(%esp)		/* resume at the armed label */
	popal
	add	$8, %esp		/* vector and error code */
	iret
1:	PUTS	"unexpected exception\n"
	mov	$RT_EXIT_EXC, %eax
	jmp	rt_exit

/* rt_end_expect: after an EXPECT_EXC'd instruction, report a missing fault. */
	.globl rt_end_expect
rt_end_expect:
	pushfl
	cmpl	$0, rt_exc_resume
	je	1f
	movl	$0, rt_exc_resume
	PUTS	"  no exception\n"
1:	popfl
	ret

	.section .rodata
rt_hexdigits:
	.ascii	"0123456789abcdef"
rt_exc_names:		/* two letters per vector, "??" for reserved ones */
	.ascii	"DEDBNIBPOFBRUDNMDFCSTSNPSSGPPF??MFACMCXMVECP"
	.ascii	"????????????HVVCSX??"
	.balign 4
rt_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long	rt_exc_stub_\v
	.endr
	.balign 4
	.word	0
rt_idtr:
	.word	RT_NVEC * 8 - 1
	.long	rt_idt

	.section .data
	RT_GDT	rt_gdtr
	.balign 4
	.globl rt_exc_vec, rt_exc_err, rt_exc_eip, rt_exc_cr2, rt_exc_count, rt_exc_resume
rt_exc_vec:	.long 0
rt_exc_err:	.long 0
rt_exc_eip:	.long 0
rt_exc_cr2:	.long 0
rt_exc_count:	.long 0
rt_exc_resume:	.long 0
rt_mb_magic:	.long 0
rt_mb_info:	.long 0

	.section .bss
	.balign 16
rt_idt:
	.skip	RT_NVEC * 8
	.balign 16
rt_stack:
	.skip	RT_STACK_SIZE
rt_stack_top:

	.text
