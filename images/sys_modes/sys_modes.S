/*
 * sys_modes: walks through every mode switch test kernels make, printing
 * a line from each mode that shows the CPU really decodes in that mode:
 *
 *   32-bit protected mode -> long mode (PAE, 4-level paging, EFER.LME,
 *   CR0.PG, far jump) -> 64-bit code -> compatibility mode (32-bit and
 *   16-bit code segments under long mode) -> back to 64-bit -> out of
 *   long mode (compatibility mode, CR0.PG=0, EFER.LME=0) -> 32-bit
 *   protected mode without paging -> 16-bit protected mode -> real mode
 *   (CR0.PE=0, far jump; INT through the IVT, #DE through the IVT, far
 *   CALL/RET) -> back to 32-bit protected mode.
 *
 * Transfers used: far JMP ptr16:32 (EA), far JMP m16:32 (FF /5), far
 * CALL ptr16:32 (9A), far CALL m16:32 (FF /3), far RET with 32-bit
 * (CB, 66 CB) and 64-bit (48 CB) operands, IRETQ to compatibility mode.
 *
 * Each mode line prints:
 *   cs=     the code selector (segment in real mode)
 *   push=   bytes "push $0" (6A 00) moved the stack pointer: 2, 4 or 8
 *   dec48=  EAX after "mov $5,%eax; .byte 0x48,0x90": 4 where 48 is DEC
 *           (16/32-bit code), 5 where it is a REX.W prefix (64-bit code)
 *   efer=   EFER & (LMA|LME); cr0= CR0 & (PG|PE)
 * 64-bit lines add a 64-bit immediate, RIP-relative LEA and R8-R15.
 * Far-call lines print the return CS:EIP the callee found on its stack
 * (EIP relative to the caller's label: L+n is the length of the CALL).
 */
	.include "rt.S"
	.include "sys.S"

	.set RM_BASE, 0x20000		/* where the 16-bit block is copied */
	.set RM_SEG, RM_BASE >> 4
	.set RM_SP, 0xfff0

	.text
	.code32
main:
	call	sys_init
	PUTS	"sys_modes: 32-bit PM, long mode, compatibility mode, 16-bit PM, real mode\n"
	/* Copy the 16-bit block below 1 MiB; CS16/DS16 get its base. */
	mov	$rm_start, %esi
	mov	$RM_BASE, %edi
	mov	$rm_end - rm_start, %ecx
	cld
	rep movsb
	mov	$SEL_CS16, %ecx
	mov	$RM_BASE, %eax
	mov	$0xffff, %ebx
	mov	$0x009a, %edx
	call	sys_setdesc
	mov	$SEL_DS16, %ecx
	mov	$0x0092, %edx
	call	sys_setdesc

	PUTS	"pm32: "
	call	probe32

	/* Far call into 16-bit protected-mode code; it returns with 66 CB. */
pm32_call16:
	lcall	$SEL_CS16, $pm16_callee - rm_start
	PUTS	"pm32: back from the 16-bit callee (lretl)\n"

	/* Into long mode. */
	TO_LONG
	P64	"long64: "
	call	probe64

	/* 64 -> compatibility mode: far JMP m16:32 (FF /5). */
	ljmpl	*compat_ptr(%rip)
	.code32
compat_entry:
	PUTS	"compat32 (ljmp m16:32 from 64-bit): "
	call	probe32
	/* compat -> 64-bit callee with far CALL ptr16:32; it returns with CB. */
compat_call64:
	lcall	$SEL_CS64, $callee64
	PUTS	"compat32: back from the 64-bit callee (32-bit lret)\n"
	/* compat -> 64: far JMP ptr16:32 (EA). */
	ljmp	$SEL_CS64, $back64

	.code64
callee64:
	mov	%esp, %esp		/* RSP = ESP zero-extended */
	P64	"  callee64 (lcall from compat): "
	call	probe64
	P64	"  callee64 return frame: cs="
	mov	4(%rsp), %eax
	H64	%rax, 4
	P64	" eip=L+"
	mov	(%rsp), %eax
	sub	$compat_call64, %eax
	H64	%rax, 2
	NL64
	lretl

back64:
	mov	%esp, %esp
	P64	"long64 (ljmp from compat): "
	call	probe64

	/* 64 -> compat callee with far CALL m16:32 (FF /3); it returns with CB. */
long_call32:
	lcalll	*callee32_ptr(%rip)
	P64	"long64: back from the compat callee (32-bit lret)\n"

	/* 64 -> 16-bit compatibility-mode callee (CS16), returns with 66 CB. */
long_call16:
	lcalll	*callee16_ptr(%rip)
	P64	"long64: back from the 16-bit compat callee (lretl)\n"

	/* 64 -> 64 with a 64-bit far return (48 CB). */
	pushq	$SEL_CS64
	mov	$after_lretq, %eax
	push	%rax
	lretq
after_lretq:
	P64	"long64: lretq to 64-bit code: ok\n"

	/* 64 -> compat with IRETQ (same privilege: SS:RSP popped too). */
	mov	%rsp, %rax
	pushq	$SEL_DS
	push	%rax
	pushq	$FL_FIXED
	pushq	$SEL_CS32
	mov	$iret_compat, %eax
	push	%rax
	iretq
	.code32
iret_compat:
	PUTS	"compat32 (iretq from 64-bit): "
	call	probe32
	ljmp	$SEL_CS64, $leave_long

	/* Leave long mode: compat mode, CR0.PG=0 (LMA=0), EFER.LME=0. */
	.code64
leave_long:
	mov	%esp, %esp
	pushq	$SEL_CS32
	mov	$leaving, %eax
	push	%rax
	lretq
	.code32
leaving:
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	PUTS	"pm32 (CR0.PG=0, LME still 1): "
	call	probe32
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_LME, %eax
	wrmsr
	mov	%cr4, %eax
	and	$~CR4_PAE, %eax
	mov	%eax, %cr4
	lidt	sys_idtr32
	call	sys_ltr32
	PUTS	"pm32 (left long mode): "
	call	probe32

	/* 32-bit PM -> 16-bit PM -> real mode -> 32-bit PM. */
	mov	%esp, saved_esp
	ljmp	$SEL_CS16, $pm16_entry - rm_start

pm32_back:
	mov	$SEL_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	saved_esp, %esp
	lidt	sys_idtr32
	PUTS	"pm32 (ljmpl from real mode): "
	call	probe32
	PUTS	"sys_modes: done\n"
	xor	%eax, %eax
	ret

/* probe32: print the mode line for 32-bit code (legacy or compat). */
probe32:
	PUTS	"cs="
	xor	%eax, %eax
	mov	%cs, %ax
	HEX16	%ax
	PUTS	" push="
	mov	%esp, %edx
	push	$0
	sub	%esp, %edx
	pop	%eax
	HEX8	%dl
	PUTS	" dec48="
	mov	$5, %eax
	.byte	0x48, 0x90
	HEX8	%al
	PUTS	" efer="
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$EFER_LMA|EFER_LME, %eax
	HEX16	%ax
	PUTS	" cr0="
	mov	%cr0, %eax
	and	$CR0_PG|CR0_PE, %eax
	HEX32	%eax
	NL
	ret

	.code64
/* probe64: print the mode line for 64-bit code. */
probe64:
	P64	"cs="
	xor	%eax, %eax
	mov	%cs, %ax
	H64	%rax, 4
	P64	" push="
	mov	%rsp, %rdx
	push	$0
	sub	%rsp, %rdx
	pop	%rax
	H64	%rdx, 2
	P64	" dec48="
	mov	$5, %eax
	.byte	0x48, 0x90
	H64	%rax, 2
	P64	" efer="
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$EFER_LMA|EFER_LME, %eax
	H64	%rax, 4
	P64	" cr0="
	mov	%cr0, %rax
	and	$CR0_PG|CR0_PE, %eax
	H64	%rax, 8
	P64	" imm64="
	movabs	$0x123456789abcdef0, %rax
	H64	%rax
	P64	" riprel="
	lea	probe64(%rip), %rax
	mov	$probe64, %ecx
	cmp	%rcx, %rax
	jne	1f
	P64	"ok"
	jmp	2f
1:	P64	"bad"
2:	P64	" r15="
	mov	$0x8000000000000000, %r8
	mov	$0x11, %r15d
	add	%r8, %r15
	H64	%r15
	NL64
	ret

	.code32
/* The compat-mode callee of the 64-bit far CALL m16:32. */
callee32:
	PUTS	"  callee32 (lcall m16:32 from 64-bit): "
	call	probe32
	PUTS	"  callee32 return frame: cs="
	mov	4(%esp), %eax
	HEX16	%ax
	PUTS	" eip=L+"
	mov	(%esp), %eax
	sub	$long_call32, %eax
	HEX8	%al
	NL
	lret

	.section .rodata
	.balign 4
compat_ptr:
	.long	compat_entry
	.word	SEL_CS32
	.balign 4
callee32_ptr:
	.long	callee32
	.word	SEL_CS32
	.balign 4
callee16_ptr:
	.long	pm16_callee - rm_start
	.word	SEL_CS16

	.section .data
	.balign 4
saved_esp:
	.long	0

/*
 * The 16-bit block: copied to RM_BASE and run there (CS16/DS16 have that
 * base; real mode uses segment RM_SEG). Position-independent: addresses
 * are offsets from rm_start; strings are inline.
 */
	.section .text.rm, "ax"
	.code16
	.balign 16
rm_start:

/* RPUTS "text": print from 16-bit code (DS must be the block). */
	.macro RPUTS text:req
	push	%si
	mov	$.Lrs\@ - rm_start, %si
	call	rm_puts
	pop	%si
	jmp	.Lrs_end\@
.Lrs\@:
	.asciz	"\text"
.Lrs_end\@:
	.endm

/* RHEX16 src: print a 16-bit value. */
	.macro RHEX16 src:req
	push	%ax
	mov	\src, %ax
	call	rm_hex16
	pop	%ax
	.endm

rm_putc:
	push	%dx
	push	%ax
	mov	$RT_COM1+5, %dx
1:	in	%dx, %al
	test	$RT_LSR_THRE, %al
	jz	1b
	pop	%ax
	push	%ax
	mov	$RT_COM1, %dx
	out	%al, %dx
	pop	%ax
	pop	%dx
	ret

rm_puts:
	push	%si
	push	%ax
1:	mov	(%si), %al
	test	%al, %al
	jz	2f
	call	rm_putc
	inc	%si
	jmp	1b
2:	pop	%ax
	pop	%si
	ret

rm_hex16:
	push	%ax
	push	%bx
	push	%cx
	push	%dx
	mov	%ax, %dx
	mov	$4, %cx
1:	rol	$4, %dx
	mov	%dx, %bx
	and	$0xf, %bx
	mov	rm_digits - rm_start(%bx), %al
	call	rm_putc
	loop	1b
	pop	%dx
	pop	%cx
	pop	%bx
	pop	%ax
	ret

rm_nl:
	push	%ax
	mov	$'\n', %al
	call	rm_putc
	pop	%ax
	ret

/* probe16: the mode line for 16-bit code (stack: SP or ESP, per SS.B). */
probe16:
	RPUTS	"cs="
	RHEX16	%cs
	RPUTS	" push="
	mov	%esp, %edx
	push	$0
	sub	%esp, %edx
	pop	%ax
	RHEX16	%dx
	RPUTS	" pushl="
	mov	%esp, %edx
	pushl	$0
	sub	%esp, %edx
	popl	%eax
	RHEX16	%dx
	RPUTS	" dec48="
	mov	$5, %eax
	.byte	0x48, 0x90
	RHEX16	%ax
	RPUTS	" efer="
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$EFER_LMA|EFER_LME, %ax
	RHEX16	%ax
	RPUTS	" cr0="
	mov	%cr0, %eax
	and	$CR0_PG|CR0_PE, %eax
	ror	$16, %eax
	RHEX16	%ax
	ror	$16, %eax
	RHEX16	%ax
	call	rm_nl
	ret

/* Far-called from 32-bit PM (and from 64-bit code): SS is the caller's
 * flat 32-bit stack, so ESP is used; returns with a 32-bit far RET. */
pm16_callee:
	push	%ds
	mov	$SEL_DS16, %ax
	mov	%ax, %ds
	RPUTS	"  pm16 callee (16-bit code segment): "
	call	probe16
	mov	6(%esp), %cx		/* return CS (after the pushed DS) */
	mov	2(%esp), %eax		/* return EIP */
	RPUTS	"  pm16 callee return frame: cs="
	RHEX16	%cx
	RPUTS	" eip=L+"
	sub	$pm32_call16, %eax
	cmp	$SEL_CS32, %cx
	je	1f
	add	$pm32_call16 - long_call16, %eax	/* called from 64-bit code */
1:	RHEX16	%ax
	call	rm_nl
	pop	%ds
	lretl

/* Entered with a far JMP from 32-bit PM: 16-bit PM, then real mode. */
pm16_entry:
	mov	$SEL_DS16, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$RM_SP, %esp
	RPUTS	"pm16: "
	call	probe16
	/* Leave protected mode: real-mode IVT, CR0.PE=0, far jump. */
	lidt	rm_ivt_ptr - rm_start
	mov	%cr0, %eax
	and	$~CR0_PE, %eax
	mov	%eax, %cr0
	ljmp	$RM_SEG, $rm_entry - rm_start

rm_entry:
	mov	$RM_SEG, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$RM_SP, %esp
	RPUTS	"real: "
	call	probe16
	/* IVT: vector 30h and #DE (vector 0) to our handlers. */
	xor	%ax, %ax
	mov	%ax, %es
	movw	$rm_int30 - rm_start, %es:0x30*4
	movw	$RM_SEG, %es:0x30*4+2
	movw	$rm_de - rm_start, %es:0
	movw	$RM_SEG, %es:2
	pushw	$0x0ad7			/* OF IF SF ZF AF PF CF (the PICs are masked) */
	popfw
rm_int_at:
	int	$0x30
	pushfw
	pop	%dx
	cli
	RPUTS	"real int 30h: pushed ip=L+"
	mov	rm_v_ip - rm_start, %ax
	sub	$rm_int_at - rm_start, %ax
	RHEX16	%ax
	RPUTS	" cs="
	RHEX16	(rm_v_cs-rm_start)
	RPUTS	" fl="
	mov	rm_v_fl - rm_start, %ax
	and	$0x0fd7, %ax
	RHEX16	%ax
	RPUTS	" handler fl="
	mov	rm_v_hfl - rm_start, %ax
	and	$0x0fd7, %ax
	RHEX16	%ax
	RPUTS	" after iret fl="
	and	$0x0fd7, %dx
	RHEX16	%dx
	call	rm_nl
	/* #DE through the IVT: pushes the DIV's own IP (a fault). */
	pushw	$0x0002
	popfw
	mov	$0x1234, %ax
	xor	%bl, %bl
rm_div_at:
	div	%bl
	RPUTS	"real #DE: pushed ip=L+"
	mov	rm_v_ip - rm_start, %ax
	sub	$rm_div_at - rm_start, %ax
	RHEX16	%ax
	RPUTS	" cs="
	RHEX16	(rm_v_cs-rm_start)
	call	rm_nl
	/* Segment arithmetic: RM_SEG:0x20 and (RM_SEG-1):0x30 are one byte. */
	movw	$0x5a5a, rm_v_ip - rm_start
	mov	$RM_SEG-1, %ax
	mov	%ax, %es
	mov	%es:rm_v_ip - rm_start + 16, %ax
	RPUTS	"real seg-1:off+16 reads "
	RHEX16	%ax
	call	rm_nl
	/* Far CALL/RET within real mode (16-bit: 2-byte CS and IP). */
	mov	%sp, %bp
rm_call_at:
	lcall	$RM_SEG, $rm_far - rm_start
	RPUTS	"real lcall/lret: pushed cs="
	RHEX16	(rm_v_cs-rm_start)
	RPUTS	" ip=L+"
	mov	rm_v_ip - rm_start, %ax
	sub	$rm_call_at - rm_start, %ax
	RHEX16	%ax
	RPUTS	" sp delta="
	mov	rm_v_fl - rm_start, %ax
	RHEX16	%ax
	call	rm_nl
	/* Back to 32-bit protected mode: CR0.PE=1, far JMP ptr16:32. */
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CS32, $pm32_back

rm_int30:
	push	%bp
	mov	%sp, %bp
	push	%ax
	mov	2(%bp), %ax
	mov	%ax, rm_v_ip - rm_start
	mov	4(%bp), %ax
	mov	%ax, rm_v_cs - rm_start
	mov	6(%bp), %ax
	mov	%ax, rm_v_fl - rm_start
	pushfw
	pop	%ax
	mov	%ax, rm_v_hfl - rm_start
	pop	%ax
	pop	%bp
	iret

rm_de:
	push	%bp
	mov	%sp, %bp
	push	%ax
	mov	2(%bp), %ax
	mov	%ax, rm_v_ip - rm_start
	mov	4(%bp), %ax
	mov	%ax, rm_v_cs - rm_start
	addw	$2, 2(%bp)		/* skip the 2-byte DIV */
	pop	%ax
	pop	%bp
	iret

rm_far:
	mov	%sp, %bx
	mov	(%bx), %ax		/* SS base = DS base here */
	mov	%ax, rm_v_ip - rm_start
	mov	2(%bx), %ax
	mov	%ax, rm_v_cs - rm_start
	mov	%bp, %ax
	sub	%sp, %ax
	mov	%ax, rm_v_fl - rm_start
	lret

	.balign 4
rm_ivt_ptr:
	.word	0x3ff
	.long	0
rm_digits:
	.ascii	"0123456789abcdef"
rm_v_ip:	.word 0
rm_v_cs:	.word 0
rm_v_fl:	.word 0
rm_v_hfl:	.word 0
	.balign 16
rm_end:

	.text
	.code32
