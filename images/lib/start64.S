/*
 * start64.S: entry of the 64-bit C kernels. It starts in 32-bit protected
 * mode as Multiboot requires, builds identity-mapping page tables for the
 * first 1 GiB (2 MiB pages), enables PAE, EFER.LME and paging, jumps to
 * 64-bit code and calls main() on a 64 KiB stack; main's return value
 * goes to isa-debug-exit. The image is linked as ELF64 and converted to
 * ELF32 (qemu -kernel wants ELF32); build.sh does that for ARCH=64.
 */
	.include "macros.S"

	.set MSR_EFER, 0xc0000080
	.set EFER_LME, 0x100
	.set CR4_PAE, 0x20
	.set CR0_PG, 0x80000000
	.set PTE_P, 0x1
	.set PTE_W, 0x2
	.set PTE_PS, 0x80

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
	mov	$0xff, %al
	outb	%al, $0x21
	outb	%al, $0xa1
	/* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB (large pages). */
	mov	$pdpt, %eax
	or	$PTE_P|PTE_W, %eax
	mov	%eax, pml4
	mov	$pd, %eax
	or	$PTE_P|PTE_W, %eax
	mov	%eax, pdpt
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$PTE_P|PTE_W|PTE_PS, %eax
	mov	%eax, pd(,%ecx,8)
	movl	$0, pd+4(,%ecx,8)
	inc	%ecx
	cmp	$512, %ecx
	jb	2b
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	ljmp	$RT_CS64, $long_mode

	.code64
long_mode:
	mov	$RT_DS32, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$stack_top, %rsp
	pushq	$FL_FIXED
	popfq
	call	main
	mov	%eax, %edi
	call	exit
1:	hlt
	jmp	1b

	.section .data
	RT_GDT	gdtr

	.section .bss
	.balign 4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
	.balign 16
	.skip	65536
stack_top:

	.section .note.GNU-stack, "", @progbits
