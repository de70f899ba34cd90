package x86

// 50-57: PUSH r.
func execPushR(c *CPU, in *Inst) { c.push(in.OpSize, c.GPR[in.Reg]&sizeMask[in.OpSize]) }

// 58-5F: POP r.
func execPopR(c *CPU, in *Inst) {
	v := c.pop(in.OpSize)
	c.setReg(in.OpSize, in.Reg, false, v)
}

// 68: PUSH Iz; 6A: PUSH Ib.
func execPushI(c *CPU, in *Inst) { c.push(in.OpSize, in.Imm&sizeMask[in.OpSize]) }

// 8F /0: POP Ev. The stack pointer is incremented before the destination
// address is computed, as the architecture specifies.
func execPopE(c *CPU, in *Inst) {
	if (in.ModRM>>3)&7 != 0 {
		c.raiseUD()
	}
	v := c.peek(0, in.OpSize)
	if !in.IsMem {
		c.setSP(c.GPR[RSP] + uint64(in.OpSize))
		c.setReg(in.OpSize, in.RM, in.rex(), v)
		return
	}
	old := c.GPR[RSP]
	c.setSP(old + uint64(in.OpSize))
	defer func() {
		if r := recover(); r != nil {
			c.GPR[RSP] = old
			panic(r)
		}
	}()
	c.write(in.Seg, c.ea(in), in.OpSize, v)
}

// C9: LEAVE.
func execLeave(c *CPU, in *Inst) {
	m := c.stackMask()
	bp := c.GPR[RBP] & m
	v := c.read(SS, bp, in.OpSize)
	c.setSP(bp + uint64(in.OpSize))
	c.setReg(in.OpSize, RBP, false, v)
}

// C8: ENTER imm16, imm8.
func execEnter(c *CPU, in *Inst) {
	size := uint64(in.OpSize)
	level := in.Imm2 & 31
	m := c.stackMask()
	sp := c.GPR[RSP]
	bp := c.GPR[RBP]
	// Perform every write before committing RSP/RBP.
	sp = (sp - size) & m
	c.write(SS, sp, in.OpSize, bp)
	frame := sp
	for i := uint64(1); i < level; i++ {
		bp = (bp - size) & m
		v := c.read(SS, bp, in.OpSize)
		sp = (sp - size) & m
		c.write(SS, sp, in.OpSize, v)
	}
	if level > 0 {
		sp = (sp - size) & m
		c.write(SS, sp, in.OpSize, frame)
	}
	sp = (sp - in.Imm) & m
	c.segAddr(SS, sp, 1, true) // the final stack pointer must be valid
	c.setReg(in.OpSize, RBP, false, frame)
	c.setSP(sp)
}

// 60: PUSHA/PUSHAD.
func execPusha(c *CPU, in *Inst) {
	m := c.stackMask()
	size := uint64(in.OpSize)
	sp := c.GPR[RSP]
	for i := 0; i < 8; i++ {
		sp = (sp - size) & m
		v := c.GPR[i]
		if i == RSP {
			v = c.GPR[RSP]
		}
		c.write(SS, sp, in.OpSize, v&sizeMask[in.OpSize])
	}
	c.setSP(sp)
}

// 61: POPA/POPAD (the saved SP is discarded).
func execPopa(c *CPU, in *Inst) {
	m := c.stackMask()
	size := uint64(in.OpSize)
	sp := c.GPR[RSP]
	var vals [8]uint64
	for i := 7; i >= 0; i-- {
		vals[i] = c.read(SS, sp&m, in.OpSize)
		sp += size
	}
	for i := 0; i < 8; i++ {
		if i != RSP {
			c.setReg(in.OpSize, uint8(i), false, vals[i])
		}
	}
	c.setSP(sp)
}
