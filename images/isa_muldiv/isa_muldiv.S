/*
 * isa_muldiv: checks MUL, IMUL (one-, two- and three-operand forms, imm8
 * and imm32), DIV and IDIV at 8, 16 and 32 bits on register and memory
 * operands, and the divide error (#DE) for a zero divisor and for
 * quotients that do not fit, in every size, for DIV and IDIV (including
 * -2^(n-1) / -1). A faulting divide must leave its destinations unchanged.
 * Flags (AMD APM): MUL/IMUL define only CF and OF (SF ZF AF PF are
 * undefined); DIV/IDIV leave all six undefined, so fo masks them all out.
 * Line format: see lib/isa.S; for MUL the outputs are EAX and EDX (EDX is
 * d5d5d5d5 before an 8-bit multiply, which must not touch it); for DIV the
 * inputs are A = dividend low half, B = divisor, C = dividend high half.
 */
	.include "rt.S"
	.include "isa.S"

	.set MUL_FLAGS, FL_CF|FL_OF

/* MUL1 op, s, w, rb: one-operand MUL/IMUL on a register and on memory. */
	.macro MUL1 op:req, s:req, w:req, rb:req, vals:req
	.pushsection .text.stubs, "ax"
\op\s\()_r:
	FLAGS_IN
	mov	$0xd5d5d5d5, %edx
	\op\s	%\rb
	mov	%edx, %ecx
	FLAGS_OUT
	ret
\op\s\()_m:
	mov	%\rb, (%edi)
	FLAGS_IN
	mov	$0xd5d5d5d5, %edx
	\op\s	(%edi)
	mov	%edx, %ecx
	FLAGS_OUT
	ret
	.popsection
	CASES	"\op\s r", \op\s\()_r, \w, MUL_FLAGS, \vals, \vals, 0, isa_fi2, OPT_FROT|OPT_OUTC
	CASES	"\op\s m", \op\s\()_m, \w, MUL_FLAGS, \vals, \vals, 0, isa_fi2, OPT_FROT|OPT_OUTC
	.endm

/* IMULN s, w, ra, rb: two- and three-operand IMUL. */
	.macro IMULN s:req, w:req, ra:req, rb:req, vals:req
	.pushsection .text.stubs, "ax"
imul2\s\()_rr:
	FLAGS_IN
	imul\s	%\rb, %\ra
	FLAGS_OUT
	ret
imul2\s\()_rm:
	mov	%\rb, (%edi)
	FLAGS_IN
	imul\s	(%edi), %\ra
	FLAGS_OUT
	ret
imul3\s\()_i8:			/* 6B /r ib: imm8 sign-extended */
	FLAGS_IN
	imul\s	$-3, %\rb, %\ra
	FLAGS_OUT
	ret
imul3\s\()_i8m:
	mov	%\rb, (%edi)
	FLAGS_IN
	imul\s	$0x7f, (%edi), %\ra
	FLAGS_OUT
	ret
imul3\s\()_iz:			/* 69 /r iz */
	FLAGS_IN
	imul\s	$0x1234, %\rb, %\ra
	FLAGS_OUT
	ret
	.popsection
	CASES	"imul\s rr", imul2\s\()_rr, \w, MUL_FLAGS, \vals, \vals, 0, isa_fi2, OPT_FROT
	CASES	"imul\s rm", imul2\s\()_rm, \w, MUL_FLAGS, \vals, \vals, 0, isa_fi2, OPT_FROT
	CASES	"imul\s $-3,r", imul3\s\()_i8, \w, MUL_FLAGS, \vals, \vals, 0, isa_fi2, OPT_FROT
	CASES	"imul\s $7f,m", imul3\s\()_i8m, \w, MUL_FLAGS, \vals, \vals, 0, isa_fi2, OPT_FROT
	CASES	"imul\s $1234,r", imul3\s\()_iz, \w, MUL_FLAGS, \vals, \vals, 0, isa_fi2, OPT_FROT
	.endm

/* DIVS op, s, w: DIV/IDIV over (low, divisor, high) triples, reg and mem. */
	.macro DIVS op:req, s:req, w:req, rb:req, lo:req, dv:req, hi:req
	.pushsection .text.stubs, "ax"
\op\s\()_r:
	FLAGS_IN
	mov	%ecx, %edx
	\op\s	%\rb
	mov	%edx, %ecx
	FLAGS_OUT
	ret
\op\s\()_m:
	mov	%\rb, (%edi)
	FLAGS_IN
	mov	%ecx, %edx
	\op\s	(%edi)
	mov	%edx, %ecx
	FLAGS_OUT
	ret
	.popsection
	CASES	"\op\s r", \op\s\()_r, \w, 0, \lo, \dv, \hi, isa_fi2, OPT_FROT|OPT_ZIP|OPT_OUTC, \w
	CASES	"\op\s m", \op\s\()_m, \w, 0, \lo, \dv, \hi, isa_fi2, OPT_FROT|OPT_ZIP|OPT_OUTC, \w
	.endm

/*
 * DE name, setup, insn: a divide that must raise #DE. Prints the case, the
 * exception line from the runtime, then EAX and EDX (unchanged).
 */
	.macro DE name:req, eax:req, edx:req, ebx:req, insn:req
	PUTS	"\name: "
	mov	\eax, %eax
	mov	\edx, %edx
	mov	\ebx, %ebx
	mov	%ebx, isa_cell
	HEX32	%edx
	PUTC	':'
	HEX32	%eax
	PUTS	" / "
	HEX32	%ebx
	NL
	EXPECT_EXC .Lde\@
	\insn
.Lde\@:
	END_EXPECT
	PUTS	"  after: eax="
	HEX32	%eax
	PUTS	" edx="
	HEX32	%edx
	NL
	.endm

main:
	PUTS	"isa_muldiv: MUL IMUL DIV IDIV #DE\n"
	MUL1	mul, b, 1, bl, mv8
	MUL1	mul, w, 2, bx, mv16
	MUL1	mul, l, 4, ebx, mv32
	MUL1	imul, b, 1, bl, mv8
	MUL1	imul, w, 2, bx, mv16
	MUL1	imul, l, 4, ebx, mv32
	IMULN	w, 2, ax, bx, mv16
	IMULN	l, 4, eax, ebx, mv32
	CASES	"mulb ah", mul_ah, 1, MUL_FLAGS, mv8, mv8, 0, isa_fi2, OPT_FROT

	DIVS	div, b, 2, bl, dlo8, ddv8, 0
	DIVS	div, w, 2, bx, dlo16, ddv16, dhi16
	DIVS	div, l, 4, ebx, dlo32, ddv32, dhi32
	DIVS	idiv, b, 2, bl, ilo8, idv8, 0
	DIVS	idiv, w, 2, bx, ilo16, idv16, ihi16
	DIVS	idiv, l, 4, ebx, ilo32, idv32, ihi32

	/* Divide errors: zero divisors and quotients out of range. */
	DE	"divb 0", $0x11110042, $0x22222222, $0x33333300, "divb %bl"
	DE	"divb ovf", $0x11110100, $0x22222222, $0x33333301, "divb %bl"
	DE	"divw 0", $0x11110042, $0x22220000, $0, "divw %bx"
	DE	"divw ovf", $0x11110000, $0x22220001, $0x33330001, "divw %bx"
	DE	"divl 0", $0x42, $0, $0, "divl %ebx"
	DE	"divl ovf", $0, $1, $1, "divl %ebx"
	DE	"divl ovf m", $0xffffffff, $0xffffffff, $0xfffffffe, "divl isa_cell"
	DE	"idivb -128/-1", $0x1111ff80, $0x22222222, $0x333333ff, "idivb %bl"
	DE	"idivb 128/1", $0x11110080, $0x22222222, $0x33333301, "idivb %bl"
	DE	"idivw -32768/-1", $0x11118000, $0x2222ffff, $0x3333ffff, "idivw %bx"
	DE	"idivw 0", $0x11110001, $0x22220000, $0x33330000, "idivw %bx"
	DE	"idivl min/-1", $0x80000000, $0xffffffff, $0xffffffff, "idivl %ebx"
	DE	"idivl 2^31/1", $0x80000000, $0, $1, "idivl %ebx"
	DE	"idivl 0 m", $1, $0, $0, "idivl isa_cell"
	/* In range at the edge: no exception. */
	DE	"idivl min/1", $0x80000000, $0xffffffff, $1, "idivl %ebx"
	DE	"divl max", $0xfffffffe, $0xfffffffe, $0xffffffff, "divl %ebx"

	PUTS	"isa_muldiv: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
mul_ah:				/* mul %ah: AX = AL * AH */
	mov	%bl, %ah
	FLAGS_IN
	mulb	%ah
	FLAGS_OUT
	ret

	.section .rodata
	.balign 4
mv8:	.long 6, 0x00, 0x01, 0x02, 0x7f, 0x80, 0xff
mv16:	.long 6, 0x0000, 0x0001, 0x0002, 0x7fff, 0x8000, 0xffff
mv32:	.long 6, 0x00000000, 0x00000001, 0x00000002, 0x7fffffff, 0x80000000, 0xffffffff
	/* (low, divisor, high) triples that do not fault. */
dlo8:	.long 6, 0x0000, 0x00ff, 0x1234, 0xfeff, 0x7fff, 0x0100
ddv8:	.long 6, 0x01, 0x01, 0x37, 0xff, 0x80, 0x02
dlo16:	.long 5, 0x0000, 0xffff, 0x5678, 0x0000, 0xffff
ddv16:	.long 5, 0x0001, 0x0001, 0x1234, 0x8000, 0xffff
dhi16:	.long 5, 0x0000, 0x0000, 0x0123, 0x7fff, 0xfffe
dlo32:	.long 5, 0x00000000, 0xffffffff, 0x9abcdef0, 0x00000000, 0xffffffff
ddv32:	.long 5, 0x00000001, 0x00000001, 0x12345678, 0x80000000, 0xffffffff
dhi32:	.long 5, 0x00000000, 0x00000000, 0x01234567, 0x7fffffff, 0xfffffffe
	/* IDIV: signs of dividend and divisor in all combinations. */
ilo8:	.long 6, 0x0007, 0xfff9, 0x0007, 0xfff9, 0xff80, 0x007f
idv8:	.long 6, 0x02, 0x02, 0xfe, 0xfe, 0x01, 0xff
ilo16:	.long 6, 0x0007, 0xfff9, 0x0007, 0xfff9, 0x8000, 0x8000
idv16:	.long 6, 0x0002, 0x0002, 0xfffe, 0xfffe, 0x0001, 0x8000
ihi16:	.long 6, 0x0000, 0xffff, 0x0000, 0xffff, 0xffff, 0xc000
ilo32:	.long 6, 0x00000007, 0xfffffff9, 0x00000007, 0xfffffff9, 0x80000000, 0x80000000
idv32:	.long 6, 0x00000002, 0x00000002, 0xfffffffe, 0xfffffffe, 0x00000001, 0x80000000
ihi32:	.long 6, 0x00000000, 0xffffffff, 0x00000000, 0xffffffff, 0xffffffff, 0xc0000000
