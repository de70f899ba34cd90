/*
 * isa_shift: checks SHL, SHR, SAR, SHLD and SHRD at 8, 16 and 32 bits: by
 * one (D0/D1), by CL (D2/D3) and by an immediate (C0/C1), on registers and
 * memory, with counts 0, 1, small, masked (0x20, 0x21, 0xff) and, for 8
 * and 16 bits, counts at or beyond the operand size.
 * Flags (AMD APM): a masked count of 0 changes no flag; otherwise CF, SF,
 * ZF and PF are defined and AF is undefined; OF is defined only for a
 * count of one; for 8/16-bit SHL/SHR/SAR with a count >= the operand size
 * CF is undefined too. SHLD/SHRD: the same, and 16-bit counts above 16
 * (undefined results) are not used. fo masks the undefined flags out.
 * Line format: see lib/isa.S.
 */
	.include "rt.S"
	.include "isa.S"
	.include "shift.S"

	.set SH_MASK1, FL_STATUS & ~FL_AF		/* count 1 */
	.set SH_MASKN, FL_CF|FL_SF|FL_ZF|FL_PF		/* count > 1 */
	.set SH_MASKBIG, FL_SF|FL_ZF|FL_PF		/* count >= size */

/*
 * DSHIFT op, s, w, ra, rb, avals, bvals, counts: SHLD/SHRD by CL over
 * avals x bvals x counts (flags masked by count), by immediates 0, 1, 7
 * and 33 (33 = 1 masked; 32-bit only), and with a memory destination.
 */
	.macro DSHIFT op:req, s:req, w:req, ra:req, rb:req, avals:req, bvals:req, counts:req
	.pushsection .text.stubs, "ax"
\op\s\()_cl:
	FLAGS_IN
	\op\s	%cl, %\rb, %\ra
	FLAGS_OUT
	ret
\op\s\()_mcl:
	mov	%\ra, (%edi)
	FLAGS_IN
	\op\s	%cl, %\rb, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
\op\s\()_i0:
	FLAGS_IN
	\op\s	$0, %\rb, %\ra
	FLAGS_OUT
	ret
\op\s\()_i1:
	FLAGS_IN
	\op\s	$1, %\rb, %\ra
	FLAGS_OUT
	ret
\op\s\()_i7:
	FLAGS_IN
	\op\s	$7, %\rb, %\ra
	FLAGS_OUT
	ret
\op\s\()_mi7:
	mov	%\ra, 2(%edi)
	FLAGS_IN
	\op\s	$7, %\rb, 2(%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	mov	4(%edi), %ebx
	ret
	.popsection
	CASES	"\op\s cl", \op\s\()_cl, \w, FL_STATUS, \avals, \bvals, cnt0, isa_fi2, OPT_FROT|OPT_FILLC
	CASES	"\op\s cl", \op\s\()_cl, \w, SH_MASK1, \avals, \bvals, cnt1, isa_fi2, OPT_FROT|OPT_FILLC
	CASES	"\op\s cl", \op\s\()_cl, \w, SH_MASKN, \avals, \bvals, \counts, isa_fi2, OPT_FROT|OPT_FILLC
	CASES	"\op\s mcl", \op\s\()_mcl, \w, SH_MASKN, \avals, \bvals, cmem, isa_fi2, OPT_FROT|OPT_FILLC
	CASES	"\op\s i0", \op\s\()_i0, \w, FL_STATUS, \avals, \bvals, 0, isa_fi2, OPT_FROT
	CASES	"\op\s i1", \op\s\()_i1, \w, SH_MASK1, \avals, \bvals, 0, isa_fi2, OPT_FROT
	CASES	"\op\s i7", \op\s\()_i7, \w, SH_MASKN, \avals, \bvals, 0, isa_fi2, OPT_FROT
	CASES	"\op\s mi7", \op\s\()_mi7, \w, SH_MASKN, \avals, \bvals, 0, isa_fi2, OPT_FROT|OPT_OUTB
	.if \w == 4
	.pushsection .text.stubs, "ax"
\op\s\()_i33:
	FLAGS_IN
	\op\s	$33, %\rb, %\ra
	FLAGS_OUT
	ret
	.popsection
	CASES	"\op\s i33", \op\s\()_i33, \w, SH_MASK1, \avals, \bvals, 0, isa_fi2, OPT_FROT
	.endif
	.endm

main:
	PUTS	"isa_shift: SHL SHR SAR SHLD SHRD\n"
	SHIFTS3	shl, SH_MASK1, SH_MASKN, OPT_FROT, big8, big16, SH_MASKBIG
	SHIFTS3	shr, SH_MASK1, SH_MASKN, OPT_FROT, big8, big16, SH_MASKBIG
	SHIFTS3	sar, SH_MASK1, SH_MASKN, OPT_FROT, big8, big16, SH_MASKBIG
	/* C1 /4 ib and C0 /7 ib with an immediate of 1 (GAS picks D1/D0). */
	CASES	"shll c1/4 $1", shl_c1_1, 4, SH_MASK1, shv32, 0, 0, isa_fi2, OPT_FROT
	CASES	"sarb c0/7 $1", sar_c0_1, 1, SH_MASK1, shv8, 0, 0, isa_fi2, OPT_FROT
	CASES	"shrb ch", shr_ch, 1, SH_MASKN, shv8, 0, cn8, isa_fi2, OPT_FROT|OPT_FILLC

	/* SHLD/SHRD: A is the destination, B the source shifted in. */
	DSHIFT	shld, w, 2, ax, bx, dv16, ds16, dc16
	DSHIFT	shld, l, 4, eax, ebx, dv32, ds32, dc32
	DSHIFT	shrd, w, 2, ax, bx, dv16, ds16, dc16
	DSHIFT	shrd, l, 4, eax, ebx, dv32, ds32, dc32

	PUTS	"isa_shift: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
shl_c1_1:
	FLAGS_IN
	.byte	0xc1, 0xe0, 0x01	/* shl $1, %eax */
	FLAGS_OUT
	ret
sar_c0_1:
	FLAGS_IN
	.byte	0xc0, 0xf8, 0x01	/* sar $1, %al */
	FLAGS_OUT
	ret
shr_ch:
	mov	%al, %ch
	FLAGS_IN
	shrb	%cl, %ch
	FLAGS_OUT
	mov	%ecx, %eax
	ret

	.section .rodata
	.balign 4
cn8:	.long 3, 0x02, 0x07, 0xe5	/* 0xe5 masks to 5 */
cn16:	.long 3, 0x02, 0x0f, 0xe5
cn32:	.long 3, 0x02, 0x1f, 0xff	/* 0xff masks to 31 */
big8:	.long 3, 0x08, 0x09, 0x1f
big16:	.long 2, 0x10, 0x1f
dv16:	.long 3, 0x0000, 0x8001, 0x1234
ds16:	.long 2, 0x0000, 0xfedc
dc16:	.long 4, 0x02, 0x04, 0x0f, 0x10
dv32:	.long 3, 0x00000000, 0x80000001, 0x12345678
ds32:	.long 2, 0x00000000, 0xfedcba98
dc32:	.long 4, 0x02, 0x04, 0x1f, 0x3f
