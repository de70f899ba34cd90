package x86

// ioAllowed checks I/O permission for size bytes at port: at CPL > IOPL (or
// in virtual-8086 mode) the TSS I/O permission bitmap decides; a denied
// access raises #GP(0).
func (c *CPU) ioAllowed(port uint16, size uint8) {
	if c.CR0&CR0PE == 0 {
		return
	}
	iopl := uint8(c.RFLAGS>>12) & 3
	if c.RFLAGS&FlagVM == 0 && c.CPL <= iopl {
		return
	}
	// The bitmap lives in a 32/64-bit TSS only.
	if t := c.TR.Attr & 0xf; t != 0x9 && t != 0xb || c.TR.Limit < 0x67 {
		c.raiseGP(0)
	}
	base := c.readSysMem(c.TR.Base+0x66, 2)
	off := base + uint64(port>>3)
	if off+1 > uint64(c.TR.Limit) {
		c.raiseGP(0)
	}
	bm := c.readSysMem(c.TR.Base+off, 2)
	mask := uint64(1)<<size - 1
	if bm>>(port&7)&mask != 0 {
		c.raiseGP(0)
	}
}

// E4/E5: IN AL/eAX,imm8; EC/ED: IN AL/eAX,DX.
func execIn(c *CPU, in *Inst) {
	port := uint16(c.GPR[RDX])
	if in.Op < 0xe8 {
		port = uint16(in.Imm)
	}
	size := in.OpSize
	if size == 8 {
		size = 4
	}
	c.ioAllowed(port, size)
	c.ioIntercept(in, port, size, true, false)
	v := c.Platform.In(port, int(size))
	c.setReg(size, RAX, false, uint64(v))
}

// E6/E7: OUT imm8,AL/eAX; EE/EF: OUT DX,AL/eAX.
func execOut(c *CPU, in *Inst) {
	port := uint16(c.GPR[RDX])
	if in.Op < 0xe8 {
		port = uint16(in.Imm)
	}
	size := in.OpSize
	if size == 8 {
		size = 4
	}
	c.ioAllowed(port, size)
	c.ioIntercept(in, port, size, false, false)
	c.Platform.Out(port, int(size), uint32(c.GPR[RAX]&sizeMask[size]))
}
