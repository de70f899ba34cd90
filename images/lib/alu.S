/*
 * alu.S: stub generators shared by isa_arith and isa_logic (include after
 * isa.S). Each macro emits the stubs for one operation into .text.stubs and
 * the CASES calls that run them, so an image's main is a list of macro
 * invocations. See isa.S for the line format and the stub contract.
 */

/*
 * ALU_FORMS op, s, w, ra, rb, vals, small, mask, f, fo, load, rm:
 * two-operand "op" at size suffix s (b, w, l; width w bytes) with A in ra,
 * B in rb:
 *	rr   op %rb, %ra		(the r/m,reg encoding: 00-3F even+1)
 *	rr'  {load} op %rb, %ra	(the reg,r/m encoding), if load=1
 *	mr   op %rb, (mem)		(A in memory; prints the memory dword)
 *	rm   op (mem), %ra		(B in memory), if rm=1
 * rr runs over vals x vals with the starting flags f and driver options fo;
 * the others over small x small, cycling through isa_fi2.
 */
	.macro ALU_FORMS op:req, s:req, w:req, ra:req, rb:req, vals:req, small:req, mask:req, f:req, fo:req, load=1, rm=1
	.pushsection .text.stubs, "ax"
\op\s\()_rr:
	FLAGS_IN
	\op\s	%\rb, %\ra
	FLAGS_OUT
	ret
	.if \load
\op\s\()_rrl:
	FLAGS_IN
	{load} \op\s %\rb, %\ra
	FLAGS_OUT
	ret
	.endif
\op\s\()_mr:
	mov	%\ra, (%edi)
	FLAGS_IN
	\op\s	%\rb, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
	.if \rm
\op\s\()_rm:
	mov	%\rb, (%edi)
	FLAGS_IN
	\op\s	(%edi), %\ra
	FLAGS_OUT
	ret
	.endif
	.popsection
	CASES	"\op\s rr", \op\s\()_rr, \w, \mask, \vals, \vals, 0, \f, \fo
	.if \load
	CASES	"\op\s rr'", \op\s\()_rrl, \w, \mask, \small, \small, 0, isa_fi2, OPT_FROT
	.endif
	CASES	"\op\s mr", \op\s\()_mr, \w, \mask, \small, \small, 0, isa_fi2, OPT_FROT
	.if \rm
	CASES	"\op\s rm", \op\s\()_rm, \w, \mask, \small, \small, 0, isa_fi2, OPT_FROT
	.endif
	.endm

/*
 * ALU_IMM op, s, w, ra, rb, imm, tag, avals, mask: "op $imm" in three
 * forms, A from avals, cycling through isa_fi2:
 *	ai   op $imm, %ra	(ra is the accumulator: the short 04/05-style
 *				 encoding, or 83 /x when imm fits in a byte)
 *	ri   op $imm, %rb	(80/81/83 /x on another register)
 *	mi   op $imm, (mem)
 */
	.macro ALU_IMM op:req, s:req, w:req, ra:req, rb:req, imm:req, tag:req, avals:req, mask:req
	.pushsection .rodata
	.balign 4
\op\s\()_itab\tag:
	.long	1, \imm
	.popsection
	.pushsection .text.stubs, "ax"
\op\s\()_ai\tag:
	FLAGS_IN
	\op\s	$\imm, %\ra
	FLAGS_OUT
	ret
\op\s\()_ri\tag:
	mov	%eax, %ebx
	FLAGS_IN
	\op\s	$\imm, %\rb
	FLAGS_OUT
	mov	%ebx, %eax
	ret
\op\s\()_mi\tag:
	mov	%\ra, (%edi)
	FLAGS_IN
	\op\s	$\imm, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
	.popsection
	CASES	"\op\s ai", \op\s\()_ai\tag, \w, \mask, \avals, \op\s\()_itab\tag, 0, isa_fi2, OPT_FROT
	CASES	"\op\s ri", \op\s\()_ri\tag, \w, \mask, \avals, \op\s\()_itab\tag, 0, isa_fi2, OPT_FROT
	CASES	"\op\s mi", \op\s\()_mi\tag, \w, \mask, \avals, \op\s\()_itab\tag, 0, isa_fi2, OPT_FROT
	.endm

/*
 * ALU_ALL op, mask, f, fo, load, rm: every form of a two-operand op at
 * 8, 16 and 32 bits, immediates included.
 */
	.macro ALU_ALL op:req, mask:req, f:req, fo:req, load=1, rm=1
	ALU_FORMS \op, b, 1, al, bl, val8, sm8, \mask, \f, \fo, \load, \rm
	ALU_IMM	\op, b, 1, al, bl, 0x01, 1, sm8, \mask
	ALU_IMM	\op, b, 1, al, bl, 0x80, 2, sm8, \mask
	ALU_IMM	\op, b, 1, al, bl, 0xff, 3, sm8, \mask
	ALU_FORMS \op, w, 2, ax, bx, val16, sm16, \mask, \f, \fo, \load, \rm
	ALU_IMM	\op, w, 2, ax, bx, 0x0001, 1, sm16, \mask
	ALU_IMM	\op, w, 2, ax, bx, 0xff80, 2, sm16, \mask
	ALU_IMM	\op, w, 2, ax, bx, 0x8000, 3, sm16, \mask
	ALU_FORMS \op, l, 4, eax, ebx, val32, sm32, \mask, \f, \fo, \load, \rm
	ALU_IMM	\op, l, 4, eax, ebx, 0x00000001, 1, sm32, \mask
	ALU_IMM	\op, l, 4, eax, ebx, 0xffffff80, 2, sm32, \mask
	ALU_IMM	\op, l, 4, eax, ebx, 0x80000000, 3, sm32, \mask
	.endm

/*
 * ALU_HIGH op, mask: byte forms on AH, BH, CH (A and B from sm8, cycling
 * through isa_fi2):
 *	hh   op %bh, %ah	(prints EAX and EBX)
 *	lh   op %al, %ch	(prints ECX and EAX)
 *	mh   op (mem), %bh	(prints EBX)
 */
	.macro ALU_HIGH op:req, mask:req
	.pushsection .text.stubs, "ax"
\op\()_hh:
	mov	%al, %ah
	mov	$0x11, %al
	mov	%bl, %bh
	mov	$0x22, %bl
	FLAGS_IN
	\op\()b	%bh, %ah
	FLAGS_OUT
	ret
\op\()_lh:
	mov	%al, %ch
	mov	$0x33, %cl
	mov	%bl, %al
	FLAGS_IN
	\op\()b	%al, %ch
	FLAGS_OUT
	xchg	%eax, %ecx
	ret
\op\()_mh:
	mov	%bl, (%edi)
	mov	%al, %bh
	mov	$0x44, %bl
	FLAGS_IN
	\op\()b	(%edi), %bh
	FLAGS_OUT
	mov	%ebx, %eax
	ret
	.popsection
	CASES	"\op\()b hh", \op\()_hh, 1, \mask, sm8, sm8, 0, isa_fi2, OPT_FROT|OPT_OUTB
	CASES	"\op\()b lh", \op\()_lh, 1, \mask, sm8, sm8, 0, isa_fi2, OPT_FROT|OPT_OUTC
	CASES	"\op\()b mh", \op\()_mh, 1, \mask, sm8, sm8, 0, isa_fi2, OPT_FROT
	.endm

/*
 * UNARY op, s, w, ra, vals, mask, f, fo: a one-operand op (INC, DEC, NEG,
 * NOT) on a register and on memory.
 */
	.macro UNARY op:req, s:req, w:req, ra:req, vals:req, mask:req, f:req, fo:req
	.pushsection .text.stubs, "ax"
\op\s\()_r:
	FLAGS_IN
	\op\s	%\ra
	FLAGS_OUT
	ret
\op\s\()_m:
	mov	%\ra, (%edi)
	FLAGS_IN
	\op\s	(%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
	.popsection
	CASES	"\op\s r", \op\s\()_r, \w, \mask, \vals, 0, 0, \f, \fo
	CASES	"\op\s m", \op\s\()_m, \w, \mask, \vals, 0, 0, \f, \fo
	.endm

/*
 * UNARY_BYTES name, w, bytes, vals, mask, f, fo: a one-operand op given as
 * raw bytes acting on ECX (A is copied to ECX, and for w=1 also to CH;
 * prints ECX), for encodings the assembler would not pick (e.g. FF /0 on a
 * register) or registers the other macros do not reach (CH).
 */
	.macro UNARY_BYTES name:req, w:req, bytes:req, vals:req, mask:req, f:req, fo:req
	.pushsection .text.stubs, "ax"
.Lub\@:
	mov	%eax, %ecx
	.if \w == 1
	mov	%al, %ch
	.endif
	FLAGS_IN
	.byte	\bytes
	FLAGS_OUT
	mov	%ecx, %eax
	ret
	.popsection
	CASES	"\name", .Lub\@, \w, \mask, \vals, 0, 0, \f, \fo
	.endm

	.section .rodata
	.balign 4
	/* Operand values: zero, one, carries out of the low nibble/byte,
	 * the signed limits and all-ones. */
val8:	.long 6, 0x00, 0x01, 0x0f, 0x7f, 0x80, 0xff
val16:	.long 6, 0x0000, 0x0001, 0x00ff, 0x7fff, 0x8000, 0xffff
val32:	.long 6, 0x00000000, 0x00000001, 0x0000ffff, 0x7fffffff, 0x80000000, 0xffffffff
sm8:	.long 3, 0x01, 0x7f, 0x80
sm16:	.long 3, 0x0001, 0x7fff, 0x8000
sm32:	.long 3, 0x00000001, 0x7fffffff, 0x80000000
	.text
