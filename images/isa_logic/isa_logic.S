/*
 * isa_logic: checks the logical instructions AND, OR, XOR, TEST and NOT at
 * 8, 16 and 32 bits: register, memory and immediate forms (accumulator
 * short forms, 80/81/83 group forms, both ModRM directions), the high-byte
 * registers AH..BH and LOCK on memory operands, over the edge values with
 * all status flags clear and all set on entry. The AMD APM leaves AF
 * undefined after AND/OR/XOR/TEST (OF and CF are cleared, SF ZF PF set by
 * the result), so fo masks AF out; NOT changes no flag, so fo shows all.
 * Line format: see lib/isa.S.
 */
	.include "rt.S"
	.include "isa.S"
	.include "alu.S"

	.set LOGIC_FLAGS, FL_STATUS & ~FL_AF

main:
	PUTS	"isa_logic: AND OR XOR TEST NOT\n"
	ALU_ALL	and, LOGIC_FLAGS, isa_fi2, OPT_FROT
	ALU_ALL	or, LOGIC_FLAGS, isa_fi2, OPT_FROT
	ALU_ALL	xor, LOGIC_FLAGS, isa_fi2, OPT_FROT
	/* TEST has only the r/m,reg encoding (84/85). */
	ALU_ALL	test, LOGIC_FLAGS, isa_fi2, OPT_FROT, 0, 0
	ALU_HIGH and, LOGIC_FLAGS
	ALU_HIGH or, LOGIC_FLAGS
	ALU_HIGH xor, LOGIC_FLAGS
	ALU_HIGH test, LOGIC_FLAGS

	UNARY	not, b, 1, al, val8, FL_STATUS, isa_fi2, 0
	UNARY	not, w, 2, ax, val16, FL_STATUS, isa_fi2, 0
	UNARY	not, l, 4, eax, val32, FL_STATUS, isa_fi2, 0
	UNARY_BYTES "notb ch", 1, "0xf6,0xd5", val8, FL_STATUS, isa_fi2, 0
	/* F6 /1 and F7 /1 are undocumented aliases of TEST imm; not used. */

	/* XOR of a register with itself: the zeroing idiom. */
	CASES	"xorl self", xor_self, 4, LOGIC_FLAGS, val32, 0, 0, isa_fi2, 0
	CASES	"subl self", sub_self, 4, FL_STATUS, val32, 0, 0, isa_fi2, OPT_FROT

	/* LOCK on memory destinations. */
	CASES	"lock orl mr", lock_or, 4, LOGIC_FLAGS, sm32, sm32, 0, isa_fi2, OPT_FROT
	CASES	"lock andw mi", lock_and, 2, LOGIC_FLAGS, val16, 0, 0, isa_fi2, OPT_FROT
	CASES	"lock xorb mr", lock_xor, 1, LOGIC_FLAGS, sm8, sm8, 0, isa_fi2, OPT_FROT
	CASES	"lock notl m", lock_not, 4, FL_STATUS, val32, 0, 0, isa_fi2, 0

	PUTS	"isa_logic: done\n"
	xor	%eax, %eax
	ret

	.section .text.stubs, "ax"
xor_self:
	FLAGS_IN
	xor	%eax, %eax
	FLAGS_OUT
	ret
sub_self:
	FLAGS_IN
	sub	%eax, %eax
	FLAGS_OUT
	ret
lock_or:
	mov	%eax, (%edi)
	FLAGS_IN
	lock orl %ebx, (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
lock_and:
	mov	%ax, 2(%edi)
	FLAGS_IN
	lock andw $0x0ff0, 2(%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
lock_xor:
	mov	%al, 3(%edi)
	FLAGS_IN
	lock xorb %bl, 3(%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
lock_not:
	mov	%eax, (%edi)
	FLAGS_IN
	lock notl (%edi)
	FLAGS_OUT
	mov	(%edi), %eax
	ret
