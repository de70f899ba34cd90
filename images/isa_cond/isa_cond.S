/*
 * isa_cond: checks the 16 condition codes in SETcc (register, high-byte
 * register, memory), CMOVcc (32/16-bit, register and memory source), Jcc
 * rel8 and Jcc rel32, each against all 32 combinations of OF SF ZF PF CF,
 * and LOOP, LOOPE, LOOPNE, JECXZ (and their 16-bit address-size forms on
 * CX) with counts and exit conditions.
 * A condition line shows, for each form, a 32-bit map: bit i is the
 * outcome with flags i = OF:SF:ZF:PF:CF (bit 4 = OF ... bit 0 = CF); all
 * forms of one condition must print the same map. "ok" says every form
 * kept the untouched register bits and left RFLAGS alone.
 * LOOP/JECXZ lines use the CASES format (lib/isa.S): C = starting ECX,
 * outputs EAX = iterations (or branch taken = 0), ECX after.
 */
	.include "rt.S"
	.include "isa.S"

	.set NFORMS, 7

/* CC_STUBS cc, n: the seven forms of condition cc (number n). Each stub
 * returns 0 or 1 in EAX, or 0xbad if it touched bits it must not. */
	.macro CC_STUBS cc:req, n:req
	.pushsection .text.stubs, "ax"
cc_set_\cc:			/* SETcc r/m8, register */
	mov	$0xa5a5a5a5, %eax
	FLAGS_IN
	set\cc	%al
	FLAGS_OUT
	mov	%eax, %ecx
	and	$0xffffff00, %ecx
	cmp	$0xa5a5a500, %ecx
	jne	cc_bad_\cc
	movzbl	%al, %eax
	ret
cc_seth_\cc:			/* SETcc on CH */
	mov	$0xa5a5a5a5, %ecx
	FLAGS_IN
	set\cc	%ch
	FLAGS_OUT
	movzbl	%ch, %eax
	and	$0xffff00ff, %ecx
	cmp	$0xa5a500a5, %ecx
	jne	cc_bad_\cc
	ret
cc_setm_\cc:			/* SETcc on memory */
	movl	$0xa5a5a5a5, (%edi)
	FLAGS_IN
	set\cc	1(%edi)
	FLAGS_OUT
	movzbl	1(%edi), %eax
	mov	(%edi), %ecx
	and	$0xffff00ff, %ecx
	cmp	$0xa5a500a5, %ecx
	jne	cc_bad_\cc
	ret
cc_cmov_\cc:			/* CMOVcc r32, r32 */
	mov	$0, %eax
	mov	$1, %ebx
	FLAGS_IN
	cmov\cc	%ebx, %eax
	FLAGS_OUT
	ret
cc_cmovw_\cc:			/* CMOVcc r16, r16 */
	mov	$0xa5a50000, %eax
	mov	$0x3c3c0001, %ebx
	FLAGS_IN
	cmov\cc\()w %bx, %ax
	FLAGS_OUT
	sub	$0xa5a50000, %eax
	ret
cc_cmovm_\cc:			/* CMOVcc r32, m32 */
	movl	$1, (%edi)
	mov	$0, %eax
	FLAGS_IN
	cmov\cc	(%edi), %eax
	FLAGS_OUT
	ret
cc_j8_\cc:			/* Jcc rel8 */
	mov	$0, %eax
	FLAGS_IN
	j\cc	2f
	FLAGS_OUT
	ret
2:	FLAGS_OUT
	mov	$1, %eax
	ret
cc_j32_\cc:			/* Jcc rel32 (0F 8x) */
	mov	$0, %eax
	FLAGS_IN
	{disp32} j\cc 2f
	FLAGS_OUT
	ret
2:	FLAGS_OUT
	mov	$1, %eax
	ret
cc_bad_\cc:
	mov	$0xbad, %eax
	ret
	.popsection
	.pushsection .rodata
	.balign 4
cc_row_\n:
	.long	cc_set_\cc, cc_seth_\cc, cc_setm_\cc, cc_cmov_\cc, cc_cmovw_\cc, cc_cmovm_\cc, cc_j8_\cc
	.long	cc_j32_\cc
	.asciz	"\cc"
	.popsection
	.endm

	CC_STUBS o, 0
	CC_STUBS no, 1
	CC_STUBS b, 2
	CC_STUBS ae, 3
	CC_STUBS e, 4
	CC_STUBS ne, 5
	CC_STUBS be, 6
	CC_STUBS a, 7
	CC_STUBS s, 8
	CC_STUBS ns, 9
	CC_STUBS p, 10
	CC_STUBS np, 11
	CC_STUBS l, 12
	CC_STUBS ge, 13
	CC_STUBS le, 14
	CC_STUBS g, 15

	.section .rodata
	.balign 4
cc_rows:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.long	cc_row_\n
	.endr
cc_form_names:
	.asciz	" set="
	.asciz	" seth="
	.asciz	" setm="
	.asciz	" cmov="
	.asciz	" cmovw="
	.asciz	" cmovm="
	.asciz	" j8="
	.asciz	" j32="
	.text

/* cc_flags: ECX = combination 0-31 -> EDX = RFLAGS with OF:SF:ZF:PF:CF. */
cc_flags:
	mov	$FL_FIXED, %edx
	test	$1, %cl
	jz	1f
	or	$FL_CF, %edx
1:	test	$2, %cl
	jz	1f
	or	$FL_PF, %edx
1:	test	$4, %cl
	jz	1f
	or	$FL_ZF, %edx
1:	test	$8, %cl
	jz	1f
	or	$FL_SF, %edx
1:	test	$16, %cl
	jz	1f
	or	$FL_OF, %edx
1:	ret

/* cc_run: print one line per condition. */
cc_run:
	movl	$0, cc_n
1:	mov	cc_n, %eax
	mov	cc_rows(,%eax,4), %esi
	mov	%esi, cc_row
	PUTS	"j"
	lea	32(%esi), %esi
	call	rt_puts
	PUTS	" ("
	HEX8	cc_n
	PUTS	"):"
	movl	$0, cc_ok
	movl	$0, cc_form
2:	movl	$0, cc_map
	movl	$0, cc_i
3:	mov	cc_i, %ecx
	call	cc_flags
	mov	%edx, cc_fin
	mov	cc_row, %esi
	mov	cc_form, %eax
	mov	(%esi,%eax,4), %eax
	mov	%eax, cc_stub
	mov	$isa_cell, %edi
	call	*cc_stub
	xor	cc_fin, %edx		/* RFLAGS must be unchanged */
	and	$FL_STATUS, %edx
	or	%edx, cc_ok
	cmp	$1, %eax
	ja	5f
	mov	cc_i, %ecx
	shl	%cl, %eax
	or	%eax, cc_map
	jmp	6f
5:	orl	$0x10000, cc_ok		/* a stub reported clobbered bits */
6:	incl	cc_i
	cmpl	$32, cc_i
	jb	3b
	/* print " form=map" */
	mov	cc_form, %eax
	mov	$cc_form_names, %esi
7:	test	%eax, %eax
	jz	8f
9:	cmpb	$0, (%esi)
	lea	1(%esi), %esi
	jne	9b
	dec	%eax
	jmp	7b
8:	call	rt_puts
	HEX32	cc_map
	incl	cc_form
	cmpl	$NFORMS + 1, cc_form
	jb	2b
	cmpl	$0, cc_ok
	jne	4f
	PUTS	" ok\n"
	jmp	5f
4:	PUTS	" BAD "
	HEX32	cc_ok
	NL
5:	incl	cc_n
	cmpl	$16, cc_n
	jb	1b
	ret

main:
	PUTS	"isa_cond: SETcc CMOVcc Jcc LOOP LOOPE LOOPNE JECXZ\n"
	call	cc_run

	CASES	"loop", loop_s, 4, FL_STATUS, 0, 0, lcnt, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"loope", loope_s, 4, FL_STATUS, 0, 0, lcnt, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"loopne", loopne_s, 4, FL_STATUS, 0, 0, lcnt, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"addr16 loop", loopw_s, 4, FL_STATUS, 0, 0, lcntw, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"addr16 loopne", loopnew_s, 4, FL_STATUS, 0, 0, lcntw, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"jecxz", jecxz_s, 4, FL_STATUS, 0, 0, jcnt, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"addr16 jcxz", jcxz_s, 4, FL_STATUS, 0, 0, jcnt, isa_fi2, OPT_FROT|OPT_OUTC, 4
	CASES	"loop rel8=-125", loopfar_s, 4, FL_STATUS, 0, 0, lcnt, isa_fi2, OPT_FROT|OPT_OUTC, 4

	PUTS	"isa_cond: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
loop_s:				/* counts iterations without touching flags */
	FLAGS_IN
	mov	$0, %eax
1:	lea	1(%eax), %eax
	loop	1b
	FLAGS_OUT
	ret
loope_s:			/* ZF=1 while EAX < 4 (bit 2 clear) */
	FLAGS_IN
	mov	$0, %eax
1:	lea	1(%eax), %eax
	mov	%eax, %ebx
	and	$4, %ebx
	loope	1b
	FLAGS_OUT
	ret
loopne_s:			/* ZF=0 until EAX == 3 */
	FLAGS_IN
	mov	$0, %eax
1:	lea	1(%eax), %eax
	cmp	$3, %eax
	loopne	1b
	FLAGS_OUT
	ret
loopw_s:			/* 67 E2: decrements and tests CX only */
	FLAGS_IN
	mov	$0, %eax
1:	lea	1(%eax), %eax
	addr16 loop 1b
	FLAGS_OUT
	ret
loopnew_s:
	FLAGS_IN
	mov	$0, %eax
1:	lea	1(%eax), %eax
	cmp	$3, %eax
	addr16 loopne 1b
	FLAGS_OUT
	ret
jecxz_s:			/* EAX = 0 if taken */
	FLAGS_IN
	mov	$0, %eax
	jecxz	1f
	mov	$1, %eax
1:	FLAGS_OUT
	ret
jcxz_s:				/* 67 E3: tests CX only */
	FLAGS_IN
	mov	$0, %eax
	jcxz	1f
	mov	$1, %eax
1:	FLAGS_OUT
	ret
loopfar_s:			/* LOOP with a displacement of -125 */
	FLAGS_IN
	mov	$0, %eax
1:	lea	1(%eax), %eax
	.skip	120, 0x90
	loop	1b
	FLAGS_OUT
	ret

	.section .rodata
	.balign 4
lcnt:	.long 5, 1, 2, 5, 7, 0x10003
lcntw:	.long 4, 0x00030001, 0x00030002, 0x00030005, 0x0002000a
jcnt:	.long 4, 0, 1, 0x10000, 0xffff0000

	.section .data
	.balign 4
cc_n:	.long 0
cc_row:	.long 0
cc_form: .long 0
cc_i:	.long 0
cc_map:	.long 0
cc_ok:	.long 0
cc_fin:	.long 0
cc_stub: .long 0
