/*
 * isa_stack: checks the stack instructions: PUSH/POP of registers (32 and
 * 16-bit), immediates (imm8 sign-extended, imm16, imm32), memory (including
 * ESP-based addresses: PUSH computes the address before, POP after moving
 * ESP), segment registers, PUSH ESP (pushes the old value), POP ESP,
 * PUSHF/POPF (32/16-bit; which RFLAGS bits POPF may change at CPL 0),
 * PUSHA/POPA (32/16-bit; POPA skips ESP), ENTER with nesting levels 0, 1,
 * 3 and 33 (taken modulo 32), LEAVE, CALL rel32 / r32 / m32, RET and
 * RET imm16.
 * Each case runs on a private stack (stk_top, filled with cccccccc) and
 * prints: ESP and EBP relative to stk_top, EAX ECX EDX, then the eight
 * dwords below stk_top and two above it ("|" marks stk_top).
 * Registers on entry: EAX=11111111 EBX=22222222 ECX=33333333 EDX=44444444
 * ESI=55555555 EDI=66666666 EBP=stk_top+0x10.
 * A 32-bit push of a segment register writes 16 or 32 bits (model
 * specific), so those cases read the low word and overwrite the slot.
 */
	.include "rt.S"

/* STK name: run the stub at label "name" (it ends with "jmp stk_back"). */
	.macro STK name:req, stub:req
	.pushsection .rodata
.Lstk_n\@:
	.asciz	"\name"
	.popsection
	mov	$.Lstk_n\@, %esi
	mov	$\stub, %edi
	call	stk_run
	.endm

	.text
stk_run:
	mov	%edi, stk_stub
	call	rt_puts
	PUTS	": "
	/* fill the private stack */
	mov	$stk_area, %edi
1:	movl	$0xcccccccc, (%edi)
	add	$4, %edi
	cmp	$stk_end, %edi
	jb	1b
	mov	%esp, stk_saved
	mov	$0x11111111, %eax
	mov	$0x22222222, %ebx
	mov	$0x33333333, %ecx
	mov	$0x44444444, %edx
	mov	$0x55555555, %esi
	mov	$0x66666666, %edi
	mov	$stk_top+0x10, %ebp
	mov	$stk_top, %esp
	jmp	*stk_stub
stk_back:
	mov	%esp, stk_esp
	mov	stk_saved, %esp
	cld
	push	$FL_FIXED
	popfl
	sub	$stk_top, %ebp
	PUTS	"esp="
	mov	stk_esp, %esi
	sub	$stk_top, %esi
	HEX32	%esi
	PUTS	" ebp="
	HEX32	%ebp
	PUTS	" eax="
	HEX32	%eax
	PUTS	" ecx="
	HEX32	%ecx
	PUTS	" edx="
	HEX32	%edx
	PUTS	" :"
	mov	$stk_top-32, %esi
2:	cmp	$stk_top, %esi
	jne	3f
	PUTS	" |"
3:	SP
	HEX32	(%esi)
	add	$4, %esi
	cmp	$stk_top+8, %esi
	jb	2b
	NL
	ret

main:
	PUTS	"isa_stack: PUSH POP PUSHF POPF PUSHA POPA ENTER LEAVE CALL RET\n"
	STK	"push ebx", s_push_r
	STK	"pushw bx", s_pushw_r
	STK	"push $-2 (6a)", s_push_i8
	STK	"push $imm32 (68)", s_push_i32
	STK	"pushw $imm16 (66 68)", s_pushw_i16
	STK	"pushw $-3 (66 6a)", s_pushw_i8
	STK	"push m32", s_push_m
	STK	"pushw m16", s_pushw_m
	STK	"push 4(%esp)", s_push_espm
	STK	"pop ecx", s_pop_r
	STK	"popw cx", s_popw_r
	STK	"pop m32", s_pop_m
	STK	"pop 4(%esp)", s_pop_espm
	STK	"push esp", s_push_esp
	STK	"pushw sp", s_pushw_sp
	STK	"pop esp", s_pop_esp
	STK	"push ds/ss", s_push_seg
	STK	"pushw es", s_pushw_seg
	STK	"pop ds es fs gs ss", s_pop_seg
	STK	"pushf popf", s_pushf
	STK	"popf all-ones", s_popf_ones
	STK	"pushfw popfw", s_pushfw
	STK	"pusha", s_pusha
	STK	"popa", s_popa
	STK	"pushaw popaw", s_pushaw
	STK	"enter $16,$0", s_enter0
	STK	"enter $8,$1", s_enter1
	STK	"enter $12,$3", s_enter3
	STK	"enter $4,$33", s_enter33
	STK	"enter $0,$0 leave", s_enter_leave
	STK	"leave", s_leave
	STK	"call rel32 ret", s_call
	STK	"call r32", s_call_r
	STK	"call m32", s_call_m
	STK	"ret $8", s_ret_imm
	STK	"ret $0", s_ret_imm0

	PUTS	"isa_stack: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
s_push_r:
	push	%ebx
	jmp	stk_back
s_pushw_r:
	pushw	%bx
	jmp	stk_back
s_push_i8:
	push	$-2
	jmp	stk_back
s_push_i32:
	push	$0x12345678
	jmp	stk_back
s_pushw_i16:
	pushw	$0x1234
	jmp	stk_back
s_pushw_i8:
	pushw	$-3
	jmp	stk_back
s_push_m:
	pushl	stk_mem
	jmp	stk_back
s_pushw_m:
	pushw	stk_mem
	jmp	stk_back
s_push_espm:			/* address from ESP before the decrement */
	push	$0xaaaaaaaa
	push	$0xbbbbbbbb
	pushl	4(%esp)
	jmp	stk_back
s_pop_r:
	push	$0xabcdef01
	pop	%ecx
	jmp	stk_back
s_popw_r:
	push	$0xabcdef01
	popw	%cx
	jmp	stk_back
s_pop_m:
	push	$0xabcdef01
	popl	stk_mem2
	mov	stk_mem2, %eax
	jmp	stk_back
s_pop_espm:			/* address from ESP after the increment */
	push	$0xaaaaaaaa
	push	$0xbbbbbbbb
	popl	4(%esp)
	jmp	stk_back
s_push_esp:
	push	%esp
	mov	(%esp), %eax
	sub	$stk_top, %eax
	jmp	stk_back
s_pushw_sp:
	pushw	%sp
	movzwl	(%esp), %eax
	mov	$stk_top, %ecx
	movzwl	%cx, %ecx
	sub	%ecx, %eax		/* old SP - low 16 bits of stk_top: 0 */
	jmp	stk_back
s_pop_esp:			/* ESP = the popped value, not value + 4 */
	push	$stk_top - 0x20
	pop	%esp
	jmp	stk_back
s_push_seg:
	push	%ds
	movzwl	(%esp), %eax
	movl	$0x5e5e5e5e, (%esp)
	push	%ss
	movzwl	(%esp), %ecx
	movl	$0x5e5e5e5e, (%esp)
	jmp	stk_back
s_pushw_seg:
	pushw	%es
	jmp	stk_back
s_pop_seg:
	push	$RT_DS32
	push	$RT_DS32
	push	$RT_DS32
	push	$RT_DS32
	push	$RT_DS32
	pop	%ds
	pop	%es
	pop	%fs
	pop	%gs
	pop	%ss
	mov	%gs, %eax
	jmp	stk_back
s_pushf:
	push	$FL_FIXED|FL_STATUS|FL_DF
	popfl
	pushfl
	push	$FL_FIXED|FL_CF
	popfl
	pushfl
	pop	%eax
	jmp	stk_back
s_popf_ones:			/* all ones but TF: what sticks at CPL 0 */
	push	$~FL_TF
	popfl
	pushfl
	pop	%eax
	push	$FL_FIXED
	popfl
	jmp	stk_back
s_pushfw:
	push	$0xffff0000|FL_FIXED|FL_ZF
	popfl
	pushfw
	pushw	$FL_FIXED|FL_CF|FL_OF
	popfw
	pushfl
	pop	%eax
	jmp	stk_back
s_pusha:
	pushal
	jmp	stk_back
s_popa:
	pushal
	movl	$0x99999999, 12(%esp)	/* the ESP slot: POPA ignores it */
	mov	$0, %eax
	mov	$0, %ecx
	mov	$0, %edx
	popal
	jmp	stk_back
s_pushaw:
	pushaw
	mov	$0, %eax
	popaw
	jmp	stk_back
s_enter0:
	enter	$16, $0
	jmp	stk_back
s_enter1:
	enter	$8, $1
	jmp	stk_back
s_enter3:			/* copies two frame pointers from the display */
	movl	$0xd1d1d1d1, stk_disp-4
	movl	$0xd2d2d2d2, stk_disp-8
	mov	$stk_disp, %ebp
	enter	$12, $3
	jmp	stk_back
s_enter33:			/* level 33 mod 32 = 1 */
	.byte	0xc8, 0x04, 0x00, 0x21
	jmp	stk_back
s_enter_leave:
	enter	$0, $0
	leave
	jmp	stk_back
s_leave:
	push	$0xfeedf00d
	mov	%esp, %ebp
	sub	$0x20, %esp
	leave
	jmp	stk_back
s_call:
	call	1f
	mov	%eax, %ecx
	jmp	stk_back
1:	mov	(%esp), %eax
	sub	$s_call+5, %eax		/* return address - expected: 0 */
	ret
s_call_r:
	mov	$stk_fn, %edx
	call	*%edx
	jmp	stk_back
s_call_m:
	call	*stk_fnptr
	jmp	stk_back
s_ret_imm:
	push	$0x0a0a0a0a
	push	$0x0b0b0b0b
	call	stk_fn_ret8
	jmp	stk_back
s_ret_imm0:
	call	stk_fn_ret0
	jmp	stk_back
stk_fn:
	mov	(%esp), %eax
	sub	$stk_top, %esp
	mov	%esp, %ecx		/* ESP inside the callee, relative */
	add	$stk_top, %esp
	ret
stk_fn_ret8:
	mov	$0x8888, %eax
	ret	$8
stk_fn_ret0:
	mov	$0x0, %eax
	ret	$0

	.section .rodata
	.balign 4
stk_fnptr:
	.long	stk_fn

	.section .data
	.balign 4
stk_mem:	.long 0x8badf00d
stk_mem2:	.long 0
stk_saved:	.long 0
stk_stub:	.long 0
stk_esp:	.long 0
	/* the private stack: 256 bytes below stk_top, 32 above */
	.balign 16
stk_area:
	.skip	128
stk_disp:			/* a display for ENTER level 3 */
	.skip	128
stk_top:
	.skip	32
stk_end:
