/*
 * isa_bcd: checks the decimal-adjust instructions DAA, DAS, AAA, AAS, AAM
 * and AAD over every AL value, with CF and AF clear and set on entry (and
 * AH values that wrap for AAA/AAS), AAM/AAD with bases other than 10, and
 * AAM 0 (#DE, registers unchanged).
 * Flags (AMD APM): DAA/DAS define SF ZF AF PF CF (OF undefined); AAA/AAS
 * define AF and CF (OF SF ZF PF undefined); AAM/AAD define SF ZF PF (OF AF
 * CF undefined). Only the defined flags are printed.
 * Line: NAME fi=FLAGS ah=AH al=X0..XF: then 16 results "AL/FL" (or
 * "AX/FL" where AH changes), FL = the defined flags' low byte.
 */
	.include "rt.S"

	.set BCD_DAA, FL_SF|FL_ZF|FL_AF|FL_PF|FL_CF
	.set BCD_AAA, FL_AF|FL_CF
	.set BCD_AAM, FL_SF|FL_ZF|FL_PF

/* BCD name, insn, mask, fi, ah, wide, rows: rows x 16 AL values. */
	.macro BCD name:req, insn:req, mask:req, fi:req, ah:req, wide:req, rows=16
	.pushsection .text.stubs, "ax"
.Lbcd_s\@:
	push	%edx
	popfl
	\insn
	pushfl
	pop	%edx
	ret
	.popsection
	.pushsection .rodata
	.balign 4
.Lbcd_p\@:
	.long	.Lbcd_n\@, .Lbcd_s\@, \mask, \fi, \ah, \wide, \rows
.Lbcd_n\@:
	.asciz	"\name"
	.popsection
	mov	$.Lbcd_p\@, %esi
	call	bcd_run
	.endm

	.text
bcd_run:
	mov	%esi, bcd_p
	movl	$0, bcd_hi
1:	mov	bcd_p, %ebx
	mov	(%ebx), %esi
	call	rt_puts
	PUTS	" fi="
	mov	12(%ebx), %eax
	and	$FL_STATUS, %eax
	call	rt_hex16
	PUTS	" ah="
	HEX8	16(%ebx)
	PUTS	" al="
	mov	bcd_hi, %eax
	shl	$4, %eax
	call	rt_hex8
	PUTS	":"
	movl	$0, bcd_lo
2:	mov	bcd_p, %ebx
	mov	bcd_hi, %eax
	shl	$4, %eax
	or	bcd_lo, %eax
	movb	16(%ebx), %ah
	or	$0x5a5a0000, %eax	/* upper bits must survive */
	mov	12(%ebx), %edx
	call	*4(%ebx)
	mov	bcd_p, %ebx
	SP
	cmpl	$0, 20(%ebx)
	je	3f
	call	rt_hex16
	jmp	4f
3:	call	rt_hex8
4:	PUTC	'/'
	and	8(%ebx), %edx
	HEX8	%dl
	shr	$16, %eax
	cmp	$0x5a5a, %eax
	je	5f
	PUTS	"(upper bits changed!)"
5:	incl	bcd_lo
	cmpl	$16, bcd_lo
	jb	2b
	NL
	incl	bcd_hi
	mov	bcd_hi, %eax
	mov	bcd_p, %ebx
	cmp	24(%ebx), %eax
	jb	1b
	ret

main:
	PUTS	"isa_bcd: DAA DAS AAA AAS AAM AAD\n"
	.irp fi, FL_FIXED, FL_FIXED|FL_CF, FL_FIXED|FL_AF, FL_FIXED|FL_CF|FL_AF
	BCD	"daa", daa, BCD_DAA, \fi, 0x33, 0
	.endr
	.irp fi, FL_FIXED, FL_FIXED|FL_CF, FL_FIXED|FL_AF, FL_FIXED|FL_CF|FL_AF
	BCD	"das", das, BCD_DAA, \fi, 0x33, 0
	.endr
	.irp fi, FL_FIXED, FL_FIXED|FL_AF|FL_STATUS
	BCD	"aaa", aaa, BCD_AAA, \fi, 0x41, 1
	BCD	"aas", aas, BCD_AAA, \fi, 0x41, 1
	.endr
	.irp fi, FL_FIXED|FL_AF, FL_FIXED|FL_CF
	BCD	"aaa", aaa, BCD_AAA, \fi, 0xff, 1
	BCD	"aas", aas, BCD_AAA, \fi, 0x00, 1
	.endr
	BCD	"aam", aam, BCD_AAM, FL_FIXED, 0x77, 1
	BCD	"aam $7", "aam $7", BCD_AAM, FL_FIXED|FL_STATUS, 0x77, 1
	BCD	"aam $16", "aam $16", BCD_AAM, FL_FIXED, 0x77, 1, 2
	BCD	"aam $255", "aam $255", BCD_AAM, FL_FIXED, 0x77, 1, 2
	BCD	"aad", aad, BCD_AAM, FL_FIXED, 0x07, 1
	BCD	"aad", aad, BCD_AAM, FL_FIXED|FL_STATUS, 0xff, 1, 4
	BCD	"aad $16", "aad $16", BCD_AAM, FL_FIXED, 0x03, 1, 4
	BCD	"aad $0", "aad $0", BCD_AAM, FL_FIXED, 0x05, 1, 2
	BCD	"aad $7", "aad $7", BCD_AAM, FL_FIXED|FL_STATUS, 0x99, 1, 2

	/* AAM 0: divide error, AX unchanged. */
	PUTS	"aam $0: ax=1234\n"
	mov	$0x55551234, %eax
	EXPECT_EXC 1f
	aam	$0
1:	END_EXPECT
	PUTS	"  after: eax="
	HEX32	%eax
	NL

	PUTS	"isa_bcd: done\n"
	xor	%eax, %eax
	ret

	.section .data
	.balign 4
bcd_p:	.long 0
bcd_hi:	.long 0
bcd_lo:	.long 0
