/*
 * hello: the smallest govmm guest. A Multiboot v1 kernel that prints
 * "hello from govmm" on COM1 and exits through isa-debug-exit with value 0
 * (so govmm and QEMU both exit with status 1).
 *
 * Entry state (Multiboot): 32-bit flat protected mode, paging off, IF=0.
 */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x00000003		/* page-align modules, want memory info */
	.set COM1, 0x3f8
	.set DEBUG_EXIT, 0xf4

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	mov	$msg, %esi
1:	movb	(%esi), %al
	testb	%al, %al
	jz	3f
	mov	$COM1+5, %dx		/* LSR: wait for THRE */
2:	inb	%dx, %al
	testb	$0x20, %al
	jz	2b
	mov	$COM1, %dx
	movb	(%esi), %al
	outb	%al, %dx
	inc	%esi
	jmp	1b
3:	mov	$DEBUG_EXIT, %dx
	xor	%eax, %eax
	outl	%eax, %dx
4:	hlt				/* not reached: the exit device stops the VM */
	jmp	4b

	.section .rodata
msg:	.asciz "hello from govmm\n"
