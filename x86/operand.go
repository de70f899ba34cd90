package x86

// Operand access helpers shared by the handlers.

// ea computes the effective address (offset within the segment) of in's
// memory operand, truncated to the address size.
func (c *CPU) ea(in *Inst) uint64 {
	a := uint64(in.Disp)
	if in.Base != regNone {
		if in.Base == regRIP {
			a += c.next
		} else {
			a += c.GPR[in.Base]
		}
	}
	if in.Index != regNone {
		a += c.GPR[in.Index] << in.Scale
	}
	switch in.AdSize {
	case 2:
		return a & 0xffff
	case 4:
		return a & 0xffffffff
	}
	return a
}

// getReg reads register r with the given size; for bytes, r 4-7 without REX
// select AH, CH, DH, BH.
func (c *CPU) getReg(size uint8, r uint8, rex bool) uint64 {
	switch size {
	case 1:
		if !rex && r >= 4 && r < 8 {
			return c.GPR[r-4] >> 8 & 0xff
		}
		return c.GPR[r] & 0xff
	case 2:
		return c.GPR[r] & 0xffff
	case 4:
		return c.GPR[r] & 0xffffffff
	}
	return c.GPR[r]
}

// setReg writes register r with the given size. 32-bit writes zero-extend
// to 64 bits; 8- and 16-bit writes merge.
func (c *CPU) setReg(size uint8, r uint8, rex bool, v uint64) {
	switch size {
	case 1:
		if !rex && r >= 4 && r < 8 {
			c.GPR[r-4] = c.GPR[r-4]&^0xff00 | (v&0xff)<<8
			return
		}
		c.GPR[r] = c.GPR[r]&^0xff | v&0xff
	case 2:
		c.GPR[r] = c.GPR[r]&^0xffff | v&0xffff
	case 4:
		c.GPR[r] = v & 0xffffffff
	default:
		c.GPR[r] = v
	}
}

// readRM reads the r/m operand.
func (c *CPU) readRM(in *Inst) uint64 {
	if !in.IsMem {
		return c.getReg(in.OpSize, in.RM, in.rex())
	}
	return c.read(in.Seg, c.ea(in), in.OpSize)
}

// writeRM writes the r/m operand.
func (c *CPU) writeRM(in *Inst, v uint64) {
	if !in.IsMem {
		c.setReg(in.OpSize, in.RM, in.rex(), v)
		return
	}
	c.write(in.Seg, c.ea(in), in.OpSize, v)
}

// readReg reads the ModRM.reg operand.
func (c *CPU) readReg(in *Inst) uint64 { return c.getReg(in.OpSize, in.Reg, in.rex()) }

// writeReg writes the ModRM.reg operand.
func (c *CPU) writeReg(in *Inst, v uint64) { c.setReg(in.OpSize, in.Reg, in.rex(), v) }

// rmw is a read-modify-write of the r/m operand: it reads, applies f, and
// writes back when f says so. Memory is translated for writing first, so a
// read-only page faults as a write.
func (c *CPU) rmw(in *Inst, f func(c *CPU, in *Inst, v uint64) (uint64, bool)) {
	if !in.IsMem {
		if r, ok := f(c, in, c.getReg(in.OpSize, in.RM, in.rex())); ok {
			c.setReg(in.OpSize, in.RM, in.rex(), r)
		}
		return
	}
	lin := c.segAddr(in.Seg, c.ea(in), in.OpSize, true)
	c.checkWritable(lin, in.OpSize)
	if r, ok := f(c, in, c.readLin(lin, in.OpSize)); ok {
		c.writeLin(lin, in.OpSize, r)
	}
}

// stackMask is the mask of the stack pointer's size.
func (c *CPU) stackMask() uint64 {
	switch {
	case c.mode == Mode64:
		return ^uint64(0)
	case c.Seg[SS].Attr&SegAttrDB != 0:
		return 0xffffffff
	}
	return 0xffff
}

// setSP writes the stack pointer with the stack's size.
func (c *CPU) setSP(v uint64) {
	m := c.stackMask()
	c.GPR[RSP] = c.GPR[RSP]&^m | v&m
}

// push pushes size bytes.
func (c *CPU) push(size uint8, v uint64) {
	sp := (c.GPR[RSP] - uint64(size)) & c.stackMask()
	c.write(SS, sp, size, v)
	c.setSP(sp)
}

// pop pops size bytes.
func (c *CPU) pop(size uint8) uint64 {
	sp := c.GPR[RSP] & c.stackMask()
	v := c.read(SS, sp, size)
	c.setSP(sp + uint64(size))
	return v
}

// peek reads the stack at byte offset off from the top, without popping.
func (c *CPU) peek(off uint64, size uint8) uint64 {
	return c.read(SS, (c.GPR[RSP]+off)&c.stackMask(), size)
}

// jump sets the next RIP to target, truncated to the operand size, checking
// the CS limit (legacy modes) or canonicality (64-bit mode).
func (c *CPU) jump(target uint64, opSize uint8) {
	switch opSize {
	case 2:
		target &= 0xffff
	case 4:
		target &= 0xffffffff
	}
	if c.mode == Mode64 {
		if uint64(int64(target<<16)>>16) != target {
			c.raiseGP(0)
		}
	} else if target > uint64(c.Seg[CS].Limit) {
		c.raiseGP(0)
	}
	c.next = target
}
