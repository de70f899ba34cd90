/*
 * isa_bits: checks the bit instructions BT, BTS, BTR, BTC (register and
 * memory bases, register and immediate offsets, 16 and 32 bits; with a
 * memory base and a register offset the offset is a signed bit index that
 * may reach far outside the operand, below it too), BSF and BSR (16/32-bit,
 * register and memory) and BSWAP on every register.
 * Flags (AMD APM): BT* define only CF; BSF/BSR define only ZF, and leave
 * the destination undefined for a zero source, so those cases print ZF
 * alone. BSWAP changes no flag.
 * Line format: see lib/isa.S. For a memory bit string the outputs are CF
 * and the dword (word) holding the bit after the instruction (EAX) and
 * that element's index relative to the base (EBX).
 */
	.include "rt.S"
	.include "isa.S"

/*
 * BITS_ELEM size, sfx: EAX = the element with index EBX (signed) of the
 * bit string at ESI, zero-extended. The address arithmetic stays 32-bit so
 * the stub also runs on a 64-bit host (oracle/hostcheck).
 */
	.macro BITS_ELEM size:req, sfx:req
	mov	%ebx, %eax
	imul	$\size, %eax, %eax
	add	%esi, %eax
	.ifc \sfx,w
	movzwl	(%eax), %eax
	.else
	mov	(%eax), %eax
	.endif
	.endm

/* BTX op: BT/BTS/BTR/BTC in every form. */
	.macro BTX op:req
	.pushsection .text.stubs, "ax"
\op\()l_rr:			/* 0F A3/AB/B3/BB with a register base */
	FLAGS_IN
	\op\()l	%ebx, %eax
	FLAGS_OUT
	ret
\op\()w_rr:
	FLAGS_IN
	\op\()w	%bx, %ax
	FLAGS_OUT
	ret
\op\()l_ri:			/* 0F BA /4-7 ib */
	FLAGS_IN
	\op\()l	$13, %eax
	FLAGS_OUT
	ret
\op\()l_ri33:			/* the immediate is taken modulo 32 */
	FLAGS_IN
	\op\()l	$33, %eax
	FLAGS_OUT
	ret
\op\()w_ri:
	FLAGS_IN
	\op\()w	$21, %ax	/* modulo 16: bit 5 */
	FLAGS_OUT
	ret
\op\()l_mi:			/* immediate with memory: no address change */
	mov	%eax, 4(%edi)
	FLAGS_IN
	\op\()l	$35, 4(%edi)
	FLAGS_OUT
	mov	4(%edi), %eax
	mov	(%edi), %ebx
	mov	8(%edi), %ecx
	ret
\op\()l_mr:			/* bit string: offset is signed, unbounded */
	call	bits_reset
	mov	$bits_base, %esi
	FLAGS_IN
	\op\()l	%ebx, (%esi)
	FLAGS_OUT
	sar	$5, %ebx
	BITS_ELEM 4, l
	ret
\op\()w_mr:
	call	bits_reset
	mov	$bits_base, %esi
	FLAGS_IN
	\op\()w	%bx, (%esi)
	FLAGS_OUT
	movswl	%bx, %ebx
	sar	$4, %ebx
	BITS_ELEM 2, w
	ret
	.popsection
	CASES	"\op\()l rr", \op\()l_rr, 4, FL_CF, bitv32, bito32, 0, isa_fi2, OPT_FROT
	CASES	"\op\()w rr", \op\()w_rr, 2, FL_CF, bitv16, bito16, 0, isa_fi2, OPT_FROT
	CASES	"\op\()l $13,r", \op\()l_ri, 4, FL_CF, bitv32, 0, 0, isa_fi2, OPT_FROT
	CASES	"\op\()l $33,r", \op\()l_ri33, 4, FL_CF, bitv32, 0, 0, isa_fi2, OPT_FROT
	CASES	"\op\()w $21,r", \op\()w_ri, 2, FL_CF, bitv16, 0, 0, isa_fi2, OPT_FROT
	CASES	"\op\()l $35,m", \op\()l_mi, 4, FL_CF, bitv32, 0, 0, isa_fi2, OPT_FROT|OPT_OUTB|OPT_OUTC
	CASES	"\op\()l mr", \op\()l_mr, 4, FL_CF, 0, bitm32, 0, isa_fi2, OPT_FROT|OPT_OUTB
	CASES	"\op\()w mr", \op\()w_mr, 2, FL_CF, 0, bitm16, 0, isa_fi2, OPT_FROT|OPT_OUTB
	.endm

/* BSX op: BSF/BSR, register and memory source; zero sources print ZF only. */
	.macro BSX op:req
	.pushsection .text.stubs, "ax"
\op\()l_r:
	FLAGS_IN
	\op\()l	%ebx, %eax
	FLAGS_OUT
	ret
\op\()l_m:
	mov	%ebx, (%edi)
	FLAGS_IN
	\op\()l	(%edi), %eax
	FLAGS_OUT
	ret
\op\()w_r:
	FLAGS_IN
	\op\()w	%bx, %ax
	FLAGS_OUT
	ret
\op\()w_m:
	mov	%bx, (%edi)
	FLAGS_IN
	\op\()w	(%edi), %ax
	FLAGS_OUT
	ret
	.popsection
	CASES	"\op\()l r", \op\()l_r, 4, FL_ZF, 0, bsv32, 0, isa_fi2, OPT_FROT
	CASES	"\op\()l m", \op\()l_m, 4, FL_ZF, 0, bsv32, 0, isa_fi2, OPT_FROT
	CASES	"\op\()w r", \op\()w_r, 2, FL_ZF, 0, bsv16, 0, isa_fi2, OPT_FROT
	CASES	"\op\()w m", \op\()w_m, 2, FL_ZF, 0, bsv16, 0, isa_fi2, OPT_FROT
	CASES	"\op\()l r", \op\()l_r, 4, FL_ZF, 0, zero, 0, isa_fi2, OPT_NOA
	CASES	"\op\()l m", \op\()l_m, 4, FL_ZF, 0, zero, 0, isa_fi2, OPT_NOA
	CASES	"\op\()w r", \op\()w_r, 2, FL_ZF, 0, zero, 0, isa_fi2, OPT_NOA
	.endm

/* BSWAPR reg: BSWAP on one register (A is copied there; prints it). */
	.macro BSWAPR reg:req
	.pushsection .text.stubs, "ax"
bswap_\reg:
	FLAGS_IN
	mov	%eax, %\reg
	bswap	%\reg
	mov	%\reg, %eax
	FLAGS_OUT
	ret
	.popsection
	CASES	"bswap \reg", bswap_\reg, 4, FL_STATUS, bswv, 0, 0, isa_fi2, OPT_FROT
	.endm

main:
	PUTS	"isa_bits: BT BTS BTR BTC BSF BSR BSWAP\n"
	BTX	bt
	BTX	bts
	BTX	btr
	BTX	btc
	CASES	"lock btsl mr", lock_bts, 4, FL_CF, 0, bitm32, 0, isa_fi2, OPT_FROT|OPT_OUTB
	BSX	bsf
	BSX	bsr
	BSWAPR	eax
	BSWAPR	ecx
	BSWAPR	edx
	BSWAPR	ebx
	CASES	"bswap esp", bswap_esp, 4, FL_STATUS, bswv, 0, 0, isa_fi2, OPT_FROT
	BSWAPR	ebp
	BSWAPR	esi
	BSWAPR	edi

	PUTS	"isa_bits: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
/* bits_reset: refill the 64-byte bit string around bits_base. Keeps EBX,
 * EDX and EDI; no PUSHA, so that it runs on a 64-bit host too. */
bits_reset:
	push	%edi
	mov	$bits_buf, %edi
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	imul	$0x9e3779b1, %eax, %eax
	xor	$0x5a5a5a5a, %eax
	mov	%eax, (%edi,%ecx,4)
	add	$1, %ecx
	cmp	$16, %ecx
	jb	1b
	pop	%edi
	ret
lock_bts:
	call	bits_reset
	mov	$bits_base, %esi
	FLAGS_IN
	lock btsl %ebx, (%esi)
	FLAGS_OUT
	sar	$5, %ebx
	BITS_ELEM 4, l
	ret

/* bswap_esp: ESP is special: swap it while the stack pointer is parked in
 * EBP (no stack use in between). */
bswap_esp:
	FLAGS_IN
	mov	%esp, %ebp
	mov	%eax, %esp
	bswap	%esp
	mov	%esp, %eax
	mov	%ebp, %esp
	FLAGS_OUT
	ret

	.section .rodata
	.balign 4
bitv32:	.long 3, 0x00000000, 0xffffffff, 0x5aa5c33c
bito32:	.long 6, 0, 1, 13, 31, 33, 0xffffffff	/* mod 32 with a register base */
bitv16:	.long 3, 0x0000, 0xffff, 0xc33c
bito16:	.long 5, 0, 5, 15, 16, 0xffff
	/* Signed bit offsets into the string at bits_base (+-256 bits). */
bitm32:	.long 10, 0, 5, 31, 32, 100, 255, 0xffffffff, 0xffffffdf, 0xffffff38, 0xffffff00
bitm16:	.long 8, 0, 5, 15, 16, 100, 255, 0xffff, 0xff00
bsv32:	.long 6, 0x00000001, 0x80000000, 0x00010000, 0xffffffff, 0x12345678, 0x00000300
bsv16:	.long 5, 0x0001, 0x8000, 0x0100, 0xffff, 0x0300
zero:	.long 1, 0
bswv:	.long 2, 0x12345678, 0x80ff0001

	.section .data
	.balign 16
bits_buf:
	.skip	32
bits_base:
	.skip	32
