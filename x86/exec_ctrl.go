package x86

import "github.com/govmm/govmm/x86/svm"

// 70-7F (rel8) and 0F 80-8F (relz): Jcc.
func execJcc(c *CPU, in *Inst) {
	if c.cond(uint8(in.Op) & 0xf) {
		c.jump(c.next+in.Imm, in.OpSize)
	}
}

// EB, E9: JMP rel.
func execJmpRel(c *CPU, in *Inst) { c.jump(c.next+in.Imm, in.OpSize) }

// E8: CALL rel.
func execCallRel(c *CPU, in *Inst) {
	t := c.next + in.Imm
	ret := c.next
	c.jump(t, in.OpSize)
	c.push(in.OpSize, ret)
}

// C3: RET; C2: RET imm16.
func execRet(c *CPU, in *Inst) {
	t := c.peek(0, in.OpSize)
	c.jump(t, in.OpSize)
	c.setSP(c.GPR[RSP] + uint64(in.OpSize) + in.Imm)
}

// E0-E2: LOOPNE, LOOPE, LOOP; E3: JCXZ/JECXZ/JRCXZ.
func execLoop(c *CPU, in *Inst) {
	m := sizeMask[in.AdSize]
	cx := c.GPR[RCX] & m
	var take bool
	if in.Op == 0xe3 {
		take = cx == 0
	} else {
		cx = (cx - 1) & m
		take = cx != 0
		switch in.Op {
		case 0xe0:
			take = take && !c.zf()
		case 0xe1:
			take = take && c.zf()
		}
	}
	if take {
		c.jump(c.next+in.Imm, in.OpSize)
	}
	if in.Op != 0xe3 {
		c.setReg(in.AdSize, RCX, false, cx)
	}
}

// FF: group 5 (INC, DEC, CALL, CALLF, JMP, JMPF, PUSH).
func execGrp5(c *CPU, in *Inst) {
	switch (in.ModRM >> 3) & 7 {
	case 0, 1:
		execIncDecRM(c, in)
	case 2: // CALL Ev
		t := c.readRM(in)
		ret := c.next
		c.jump(t, in.OpSize)
		c.push(in.OpSize, ret)
	case 3: // CALL Mp
		if !in.IsMem {
			c.raiseUD()
		}
		off, sel := c.readFarPtr(in)
		c.farCall(sel, off, in.OpSize)
	case 4: // JMP Ev
		c.jump(c.readRM(in), in.OpSize)
	case 5: // JMP Mp
		if !in.IsMem {
			c.raiseUD()
		}
		off, sel := c.readFarPtr(in)
		c.farJump(sel, off, in.OpSize)
	case 6: // PUSH Ev
		c.push(in.OpSize, c.readRM(in))
	default:
		c.raiseUD()
	}
}

// FE: group 4 (INC/DEC Eb).
func execGrp4(c *CPU, in *Inst) {
	if (in.ModRM>>3)&7 > 1 {
		c.raiseUD()
	}
	execIncDecRM(c, in)
}

// readFarPtr reads an m16:16/32/64 far pointer operand.
func (c *CPU) readFarPtr(in *Inst) (off uint64, sel uint16) {
	ea := c.ea(in)
	off = c.read(in.Seg, ea, in.OpSize)
	sel = uint16(c.read(in.Seg, (ea+uint64(in.OpSize))&sizeMask[in.AdSize], 2))
	return off, sel
}

// EA: JMP ptr16:16/32.
func execJmpFar(c *CPU, in *Inst) { c.farJump(uint16(in.Imm2), in.Imm, in.OpSize) }

// 9A: CALL ptr16:16/32.
func execCallFar(c *CPU, in *Inst) { c.farCall(uint16(in.Imm2), in.Imm, in.OpSize) }

// F4: HLT.
func execHlt(c *CPU, in *Inst) {
	if c.CPL != 0 && c.CR0&CR0PE != 0 {
		c.raiseGP(0)
	}
	c.intercept(svm.InterceptHLT, 0, 0)
	c.setHalted(true)
}

// CC: INT3.
func execInt3(c *CPU, in *Inst) { c.raiseSoft(VecBP, EventException) }

// CD: INT imm8.
func execIntN(c *CPU, in *Inst) {
	if c.RFLAGS&FlagVM != 0 && c.RFLAGS&FlagIOPL != FlagIOPL {
		c.raiseGP(0)
	}
	var info uint64
	if c.hasSVM(svm.FeatureDecodeAssists) {
		info = in.Imm & 0xff // the vector (decode assist)
	}
	c.intercept(svm.InterceptINTn, info, 0)
	c.raiseSoft(uint8(in.Imm), EventSoftInt)
}

// CE: INTO.
func execInto(c *CPU, in *Inst) {
	if c.of() {
		c.raiseSoft(VecOF, EventException)
	}
}

// F1: ICEBP (INT1): a #DB trap without the DPL check of soft interrupts.
func execIcebp(c *CPU, in *Inst) {
	c.intercept(svm.InterceptICEBP, 0, 0)
	c.fault = faultInfo{vector: VecDB, soft: true, kind: EventException, icebp: true}
	panic(faultPanic{})
}
