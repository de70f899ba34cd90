package x86

// String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP
// prefixes. A REP string instruction executes one iteration per loop pass
// and re-executes itself (c.next = c.RIP) until RCX reaches zero, so faults
// and interrupts between iterations see architecturally consistent RCX,
// RSI and RDI. Small runs are batched within one pass for speed.

// strBatch is how many iterations a REP instruction performs per pass.
const strBatch = 256

// strStep returns the pointer increment for an element of size bytes.
func (c *CPU) strStep(size uint8) uint64 {
	if c.RFLAGS&FlagDF != 0 {
		return -uint64(size)
	}
	return uint64(size)
}

// advance adds d to register r with the address size's wrap-around.
func (c *CPU) advance(r uint8, adSize uint8, d uint64) {
	m := sizeMask[adSize]
	c.GPR[r] = c.GPR[r]&^m | (c.GPR[r]+d)&m
}

// repCount returns RCX under the address size, or 1 without REP.
func (c *CPU) repCount(in *Inst) (uint64, bool) {
	if in.Prefix&(pfxRep|pfxRepne) == 0 {
		return 1, false
	}
	return c.GPR[RCX] & sizeMask[in.AdSize], true
}

// strLoop runs body up to the REP count and maintains RCX and the re-execute
// rule. body returns false to stop (REPE/REPNE condition).
func (c *CPU) strLoop(in *Inst, cond bool, body func(c *CPU, in *Inst) bool) {
	n, rep := c.repCount(in)
	if !rep {
		body(c, in)
		return
	}
	m := sizeMask[in.AdSize]
	for i := 0; i < strBatch; i++ {
		if n == 0 {
			return
		}
		more := body(c, in)
		n--
		c.GPR[RCX] = c.GPR[RCX]&^m | n&m
		if cond && !more {
			return
		}
	}
	if n != 0 {
		c.next = c.RIP // more to do: execute this instruction again
		c.midRep = true
	} else {
		c.midRep = false
	}
}

func strMovs(c *CPU, in *Inst) bool {
	size := in.OpSize
	v := c.read(in.Seg, c.GPR[RSI]&sizeMask[in.AdSize], size)
	c.write(ES, c.GPR[RDI]&sizeMask[in.AdSize], size, v)
	d := c.strStep(size)
	c.advance(RSI, in.AdSize, d)
	c.advance(RDI, in.AdSize, d)
	return true
}

func strStos(c *CPU, in *Inst) bool {
	size := in.OpSize
	c.write(ES, c.GPR[RDI]&sizeMask[in.AdSize], size, c.GPR[RAX]&sizeMask[size])
	c.advance(RDI, in.AdSize, c.strStep(size))
	return true
}

func strLods(c *CPU, in *Inst) bool {
	size := in.OpSize
	v := c.read(in.Seg, c.GPR[RSI]&sizeMask[in.AdSize], size)
	c.setReg(size, RAX, false, v)
	c.advance(RSI, in.AdSize, c.strStep(size))
	return true
}

// repCond reports whether a REPE/REPNE loop continues after a compare.
func (c *CPU) repCond(in *Inst) bool {
	if in.Prefix&pfxRepne != 0 {
		return !c.zf()
	}
	return c.zf()
}

func strCmps(c *CPU, in *Inst) bool {
	size := in.OpSize
	a := c.read(in.Seg, c.GPR[RSI]&sizeMask[in.AdSize], size)
	b := c.read(ES, c.GPR[RDI]&sizeMask[in.AdSize], size)
	c.alu(aluCMP, size, a, b)
	d := c.strStep(size)
	c.advance(RSI, in.AdSize, d)
	c.advance(RDI, in.AdSize, d)
	return c.repCond(in)
}

func strScas(c *CPU, in *Inst) bool {
	size := in.OpSize
	b := c.read(ES, c.GPR[RDI]&sizeMask[in.AdSize], size)
	c.alu(aluCMP, size, c.GPR[RAX]&sizeMask[size], b)
	c.advance(RDI, in.AdSize, c.strStep(size))
	return c.repCond(in)
}

func strIns(c *CPU, in *Inst) bool {
	size := ioSize(in)
	port := uint16(c.GPR[RDX])
	c.ioAllowed(port, size)
	c.ioIntercept(in, port, size, true, true)
	lin := c.segAddr(ES, c.GPR[RDI]&sizeMask[in.AdSize], size, true)
	c.checkWritable(lin, size)
	v := c.Platform.In(port, int(size))
	c.writeLin(lin, size, uint64(v))
	c.advance(RDI, in.AdSize, c.strStep(size))
	return true
}

func strOuts(c *CPU, in *Inst) bool {
	size := ioSize(in)
	port := uint16(c.GPR[RDX])
	c.ioAllowed(port, size)
	c.ioIntercept(in, port, size, false, true)
	v := c.read(in.Seg, c.GPR[RSI]&sizeMask[in.AdSize], size)
	c.Platform.Out(port, int(size), uint32(v))
	c.advance(RSI, in.AdSize, c.strStep(size))
	return true
}

// ioSize is the I/O access size of an instruction (at most 4 bytes).
func ioSize(in *Inst) uint8 {
	if in.OpSize == 8 {
		return 4
	}
	return in.OpSize
}

func execMovs(c *CPU, in *Inst) { c.strLoop(in, false, strMovs) }
func execStos(c *CPU, in *Inst) { c.strLoop(in, false, strStos) }
func execLods(c *CPU, in *Inst) { c.strLoop(in, false, strLods) }
func execCmps(c *CPU, in *Inst) { c.strLoop(in, true, strCmps) }
func execScas(c *CPU, in *Inst) { c.strLoop(in, true, strScas) }

// INS/OUTS perform one I/O per pass so that a device that stops the VM
// (isa-debug-exit) is seen at once.
func execIns(c *CPU, in *Inst) {
	c.strLoop1(in, strIns)
}

func execOuts(c *CPU, in *Inst) {
	c.strLoop1(in, strOuts)
}

// strLoop1 is strLoop with one iteration per pass.
func (c *CPU) strLoop1(in *Inst, body func(c *CPU, in *Inst) bool) {
	n, rep := c.repCount(in)
	if !rep {
		body(c, in)
		return
	}
	if n == 0 {
		return
	}
	body(c, in)
	n--
	c.setReg(in.AdSize, RCX, false, n)
	if n != 0 {
		c.next = c.RIP
	}
}
