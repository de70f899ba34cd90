/*
 * shift.S: stub generators for the shift and rotate images (include after
 * isa.S). See isa.S for the line format and the stub contract.
 */

/*
 * SHIFTS op, s, w, ra, vals, c0, c1, cn, mask1, maskn, cbig, maskbig,
 * cmem, fo: every form of a shift or rotate "op" at size s on register ra:
 *	1    op %ra		(D0/D1: by one)
 *	cl   op %cl, %ra	(D2/D3), with counts from c0 (masked count 0:
 *			 no flag changes), c1 (masked count 1), cn (others)
 *			 and cbig (counts >= the operand size, if any)
 *	m1   op (mem)	mcl  op %cl, (mem)  (counts from cmem)
 *	i0, i5, i33	op $imm, %ra	(C0/C1 with an immediate; 33 masks
 *			 to 1)
 * mask1, maskn, maskbig: the flags the APM defines for a masked count of
 * one, for other counts, and for counts >= the operand size.
 */
	.macro SHIFTS op:req, s:req, w:req, ra:req, vals:req, c0:req, c1:req, cn:req, mask1:req, maskn:req, cbig=0, maskbig=0, cmem:req, fo:req
	.pushsection .text.stubs, "ax"
\op\s\()_1:
	FLAGS_IN
	\op\s	%\ra
	FLAGS_OUT
	ret
\op\s\()_cl:
	FLAGS_IN
	\op\s	%cl, %\ra
	FLAGS_OUT
	ret
\op\s\()_m1:
	mov	%\ra, (%edi)
	FLAGS_IN
	\op\s	(%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
\op\s\()_mcl:
	mov	%\ra, (%edi)
	FLAGS_IN
	\op\s	%cl, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
\op\s\()_i0:
	FLAGS_IN
	\op\s	$0, %\ra
	FLAGS_OUT
	ret
\op\s\()_i5:
	FLAGS_IN
	\op\s	$5, %\ra
	FLAGS_OUT
	ret
\op\s\()_i33:
	FLAGS_IN
	\op\s	$33, %\ra
	FLAGS_OUT
	ret
	.popsection
	CASES	"\op\s 1", \op\s\()_1, \w, \mask1, \vals, 0, 0, isa_fi2, \fo
	CASES	"\op\s cl", \op\s\()_cl, \w, FL_STATUS, \vals, 0, \c0, isa_fi2, \fo|OPT_FILLC
	CASES	"\op\s cl", \op\s\()_cl, \w, \mask1, \vals, 0, \c1, isa_fi2, \fo|OPT_FILLC
	CASES	"\op\s cl", \op\s\()_cl, \w, \maskn, \vals, 0, \cn, isa_fi2, \fo|OPT_FILLC
	.ifnc \cbig,0
	CASES	"\op\s cl", \op\s\()_cl, \w, \maskbig, \vals, 0, \cbig, isa_fi2, \fo|OPT_FILLC
	.endif
	CASES	"\op\s m1", \op\s\()_m1, \w, \mask1, \vals, 0, 0, isa_fi2, \fo
	CASES	"\op\s mcl", \op\s\()_mcl, \w, \maskn, \vals, 0, \cmem, isa_fi2, \fo|OPT_FILLC
	CASES	"\op\s i0", \op\s\()_i0, \w, FL_STATUS, \vals, 0, 0, isa_fi2, \fo
	CASES	"\op\s i5", \op\s\()_i5, \w, \maskn, \vals, 0, 0, isa_fi2, \fo
	CASES	"\op\s i33", \op\s\()_i33, \w, \mask1, \vals, 0, 0, isa_fi2, \fo
	.endm

/* SHIFTS3 op, mask1, maskn, maskbig, fo: SHIFTS at 8, 16 and 32 bits. */
	.macro SHIFTS3 op:req, mask1:req, maskn:req, fo:req, big8=0, big16=0, maskbig=0
	SHIFTS	\op, b, 1, al, shv8, cnt0, cnt1, cn8, \mask1, \maskn, \big8, \maskbig, cmem, \fo
	SHIFTS	\op, w, 2, ax, shv16, cnt0, cnt1, cn16, \mask1, \maskn, \big16, \maskbig, cmem, \fo
	SHIFTS	\op, l, 4, eax, shv32, cnt0, cnt1, cn32, \mask1, \maskn, 0, 0, cmem, \fo
	.endm

	.section .rodata
	.balign 4
shv8:	.long 4, 0x00, 0x01, 0x81, 0xc0
shv16:	.long 4, 0x0000, 0x0001, 0x8001, 0xc000
shv32:	.long 4, 0x00000000, 0x00000001, 0x80000001, 0xc0000000
cnt0:	.long 2, 0x00, 0x20		/* masked count 0 */
cnt1:	.long 2, 0x01, 0x21		/* masked count 1 */
cmem:	.long 1, 0x03
	.text
