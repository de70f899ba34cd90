/*
 * isa_arith: checks the integer arithmetic instructions ADD, ADC, SUB, SBB,
 * CMP, INC, DEC and NEG at 8, 16 and 32 bits: register, memory and
 * immediate forms (accumulator short forms, 80/81/83 group forms, both
 * ModRM directions), the high-byte registers AH..BH, the one-byte INC/DEC
 * forms and their FF /0, FF /1 twins, and LOCK on memory operands, over the
 * edge values 0, 1, 0x0f/0xff, 0x7f.., 0x80.., 0xff.. with all status flags
 * clear and all set on entry. The AMD APM defines all six status flags for
 * these instructions (INC/DEC leave CF alone), so fo shows all of them.
 * Line format: see lib/isa.S.
 */
	.include "rt.S"
	.include "isa.S"
	.include "alu.S"

main:
	PUTS	"isa_arith: ADD ADC SUB SBB CMP INC DEC NEG\n"
	ALU_ALL	add, FL_STATUS, isa_fi2, OPT_FROT
	ALU_ALL	adc, FL_STATUS, isa_fi2, 0
	ALU_ALL	sub, FL_STATUS, isa_fi2, OPT_FROT
	ALU_ALL	sbb, FL_STATUS, isa_fi2, 0
	ALU_ALL	cmp, FL_STATUS, isa_fi2, OPT_FROT
	ALU_HIGH add, FL_STATUS
	ALU_HIGH adc, FL_STATUS
	ALU_HIGH sub, FL_STATUS
	ALU_HIGH sbb, FL_STATUS
	ALU_HIGH cmp, FL_STATUS

	/* INC/DEC/NEG: registers (INC/DEC r16/r32 use the one-byte 40+r
	 * and 48+r forms) and memory, every value with flags clear and set. */
	UNARY	inc, b, 1, al, val8, FL_STATUS, isa_fi2, 0
	UNARY	inc, w, 2, ax, val16, FL_STATUS, isa_fi2, 0
	UNARY	inc, l, 4, eax, val32, FL_STATUS, isa_fi2, 0
	UNARY	dec, b, 1, al, val8, FL_STATUS, isa_fi2, 0
	UNARY	dec, w, 2, ax, val16, FL_STATUS, isa_fi2, 0
	UNARY	dec, l, 4, eax, val32, FL_STATUS, isa_fi2, 0
	UNARY	neg, b, 1, al, val8, FL_STATUS, isa_fi2, 0
	UNARY	neg, w, 2, ax, val16, FL_STATUS, isa_fi2, 0
	UNARY	neg, l, 4, eax, val32, FL_STATUS, isa_fi2, 0

	/* The same on ECX through encodings the assembler does not pick. */
	UNARY_BYTES "incl ff/0 ecx", 4, "0xff,0xc1", val32, FL_STATUS, isa_fi2, 0
	UNARY_BYTES "decl ff/1 ecx", 4, "0xff,0xc9", val32, FL_STATUS, isa_fi2, 0
	UNARY_BYTES "incw ff/0 cx", 2, "0x66,0xff,0xc1", val16, FL_STATUS, isa_fi2, 0
	UNARY_BYTES "decw ff/1 cx", 2, "0x66,0xff,0xc9", val16, FL_STATUS, isa_fi2, 0
	UNARY_BYTES "incb ch", 1, "0xfe,0xc5", val8, FL_STATUS, isa_fi2, 0
	UNARY_BYTES "decb ch", 1, "0xfe,0xcd", val8, FL_STATUS, isa_fi2, 0
	UNARY_BYTES "negb ch", 1, "0xf6,0xdd", val8, FL_STATUS, isa_fi2, 0

	/* LOCK on memory destinations: same results as without it. */
	CASES	"lock addl mr", lock_add, 4, FL_STATUS, sm32, sm32, 0, isa_fi2, OPT_FROT
	CASES	"lock sbbl mr", lock_sbb, 4, FL_STATUS, sm32, sm32, 0, isa_fi2, 0
	CASES	"lock incw m", lock_inc, 2, FL_STATUS, val16, 0, 0, isa_fi2, 0
	CASES	"lock negb m", lock_neg, 1, FL_STATUS, val8, 0, 0, isa_fi2, OPT_FROT
	CASES	"lock subl mi", lock_subi, 4, FL_STATUS, sm32, 0, 0, isa_fi2, OPT_FROT

	PUTS	"isa_arith: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
lock_add:
	mov	%eax, (%edi)
	FLAGS_IN
	lock addl %ebx, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
lock_sbb:
	mov	%eax, (%edi)
	FLAGS_IN
	lock sbbl %ebx, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
lock_inc:
	mov	%ax, (%edi)
	FLAGS_IN
	lock incw (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
lock_neg:
	mov	%al, 1(%edi)
	FLAGS_IN
	lock negb 1(%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
lock_subi:
	mov	%eax, 4(%edi)
	FLAGS_IN
	lock subl $0x12345678, 4(%edi)
	FLAGS_OUT
	mov	4(%edi), %eax
	ret
