/*
 * tramp.S: calls a 32-bit ISA-image stub from 64-bit Linux user space.
 * void hc_call(uint64_t stub, uint32_t regs[7])
 * regs: EAX EBX ECX EDX EDI ESI EBP in; EAX EBX ECX EDX out.
 * The stubs are written for 32-bit protected mode; most of their bytes
 * decode the same in 64-bit mode (push %edx = push %rdx, popf = popfq).
 * They never touch R8-R15 (no REX prefixes), so R12/R13 survive.
 */
	.text
	.globl hc_call
hc_call:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsi, %r12
	mov	%rdi, %r13
	mov	0(%r12), %eax
	mov	4(%r12), %ebx
	mov	8(%r12), %ecx
	mov	12(%r12), %edx
	mov	16(%r12), %edi
	mov	20(%r12), %esi
	mov	24(%r12), %ebp
	call	*%r13
	cld
	mov	%eax, 0(%r12)
	mov	%ebx, 4(%r12)
	mov	%ecx, 8(%r12)
	mov	%edx, 12(%r12)
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.section .note.GNU-stack, "", @progbits
