/*
 * start32.S: entry of the 32-bit C kernels. Multiboot header, own GDT,
 * 64 KiB stack, masked PICs, then main(); main's return value goes to
 * isa-debug-exit. Built by build.sh for images whose build.conf says
 * ARCH=32.
 */
	.include "macros.S"

	MULTIBOOT_HEADER

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	mov	$stack_top, %esp
	lgdt	gdtr
	ljmp	$RT_CS32, $1f
1:	mov	$RT_DS32, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	pushl	$FL_FIXED
	popfl
	mov	$0xff, %al
	outb	%al, $0x21
	outb	%al, $0xa1
	call	main
	push	%eax
	call	exit
1:	hlt
	jmp	1b

	.section .data
	RT_GDT	gdtr

	.section .bss
	.balign 16
	.skip	65536
stack_top:

	.section .note.GNU-stack, "", @progbits
