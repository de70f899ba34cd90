package x86

// Specialised handlers for the most frequent instruction forms, chosen at
// decode time (see specialise). They must behave exactly like the generic
// handlers they replace; TestSpecialisedMatchGeneric checks that.

// specialise swaps in a faster handler for common register forms.
func specialise(in *Inst) {
	if in.IsMem || in.Prefix&pfxLock != 0 {
		return
	}
	op := in.Op
	switch {
	case op < 0x40 && (op&7 == 1 || op&7 == 3):
		// 01/09/.../39 (Ev,Gv), 03/0B/.../3B (Gv,Ev) register forms.
		if in.OpSize != 4 && in.OpSize != 8 || op&1 == 0 {
			return
		}
		dst, src := in.RM, in.Reg
		if op&2 != 0 {
			dst, src = in.Reg, in.RM
		}
		in.RM, in.Reg = dst, src // fast ALU handlers read RM as dst, Reg as src
		if in.OpSize == 4 {
			in.exec = aluRR32[aluOp(in)]
		} else {
			in.exec = aluRR64[aluOp(in)]
		}
	case op >= 0x40 && op < 0x50 && in.OpSize == 4 && in.Mode != Mode64:
		in.exec = execIncDecReg32
	case op == 0x89 || op == 0x8b:
		if in.OpSize == 4 {
			if op == 0x89 {
				in.exec = execMovRR32EG
			} else {
				in.exec = execMovRR32GE
			}
		}
	}
}

var aluRR32 = [8]func(c *CPU, in *Inst){
	aluADD: func(c *CPU, in *Inst) {
		a, b := c.GPR[in.RM]&0xffffffff, c.GPR[in.Reg]&0xffffffff
		r := a + b
		c.lazyOp, c.lazySize, c.lazyCin, c.lazyA, c.lazyB, c.lazyRes = lazyAdd, 4, false, a, b, r
		c.GPR[in.RM] = r & 0xffffffff
	},
	aluSUB: func(c *CPU, in *Inst) {
		a, b := c.GPR[in.RM]&0xffffffff, c.GPR[in.Reg]&0xffffffff
		r := a - b
		c.lazyOp, c.lazySize, c.lazyCin, c.lazyA, c.lazyB, c.lazyRes = lazySub, 4, false, a, b, r
		c.GPR[in.RM] = r & 0xffffffff
	},
	aluCMP: func(c *CPU, in *Inst) {
		a, b := c.GPR[in.RM]&0xffffffff, c.GPR[in.Reg]&0xffffffff
		c.lazyOp, c.lazySize, c.lazyCin, c.lazyA, c.lazyB, c.lazyRes = lazySub, 4, false, a, b, a-b
	},
	aluAND: func(c *CPU, in *Inst) {
		r := c.GPR[in.RM] & c.GPR[in.Reg] & 0xffffffff
		c.lazyOp, c.lazySize, c.lazyRes = lazyLogic, 4, r
		c.GPR[in.RM] = r
	},
	aluOR: func(c *CPU, in *Inst) {
		r := (c.GPR[in.RM] | c.GPR[in.Reg]) & 0xffffffff
		c.lazyOp, c.lazySize, c.lazyRes = lazyLogic, 4, r
		c.GPR[in.RM] = r
	},
	aluXOR: func(c *CPU, in *Inst) {
		r := (c.GPR[in.RM] ^ c.GPR[in.Reg]) & 0xffffffff
		c.lazyOp, c.lazySize, c.lazyRes = lazyLogic, 4, r
		c.GPR[in.RM] = r
	},
	aluADC: func(c *CPU, in *Inst) { aluRRGeneric(c, in, aluADC) },
	aluSBB: func(c *CPU, in *Inst) { aluRRGeneric(c, in, aluSBB) },
}

var aluRR64 = [8]func(c *CPU, in *Inst){
	aluADD: func(c *CPU, in *Inst) {
		a, b := c.GPR[in.RM], c.GPR[in.Reg]
		r := a + b
		c.lazyOp, c.lazySize, c.lazyCin, c.lazyA, c.lazyB, c.lazyRes = lazyAdd, 8, false, a, b, r
		c.GPR[in.RM] = r
	},
	aluSUB: func(c *CPU, in *Inst) {
		a, b := c.GPR[in.RM], c.GPR[in.Reg]
		r := a - b
		c.lazyOp, c.lazySize, c.lazyCin, c.lazyA, c.lazyB, c.lazyRes = lazySub, 8, false, a, b, r
		c.GPR[in.RM] = r
	},
	aluCMP: func(c *CPU, in *Inst) {
		a, b := c.GPR[in.RM], c.GPR[in.Reg]
		c.lazyOp, c.lazySize, c.lazyCin, c.lazyA, c.lazyB, c.lazyRes = lazySub, 8, false, a, b, a-b
	},
	aluAND: func(c *CPU, in *Inst) {
		r := c.GPR[in.RM] & c.GPR[in.Reg]
		c.lazyOp, c.lazySize, c.lazyRes = lazyLogic, 8, r
		c.GPR[in.RM] = r
	},
	aluOR: func(c *CPU, in *Inst) {
		r := c.GPR[in.RM] | c.GPR[in.Reg]
		c.lazyOp, c.lazySize, c.lazyRes = lazyLogic, 8, r
		c.GPR[in.RM] = r
	},
	aluXOR: func(c *CPU, in *Inst) {
		r := c.GPR[in.RM] ^ c.GPR[in.Reg]
		c.lazyOp, c.lazySize, c.lazyRes = lazyLogic, 8, r
		c.GPR[in.RM] = r
	},
	aluADC: func(c *CPU, in *Inst) { aluRRGeneric(c, in, aluADC) },
	aluSBB: func(c *CPU, in *Inst) { aluRRGeneric(c, in, aluSBB) },
}

// aluRRGeneric runs a register-register ALU op (RM = dst, Reg = src).
func aluRRGeneric(c *CPU, in *Inst, op uint8) {
	a := c.GPR[in.RM] & sizeMask[in.OpSize]
	b := c.GPR[in.Reg] & sizeMask[in.OpSize]
	if r, ok := c.alu(op, in.OpSize, a, b); ok {
		c.setReg(in.OpSize, in.RM, true, r)
	}
}

func execMovRR32EG(c *CPU, in *Inst) { c.GPR[in.RM] = c.GPR[in.Reg] & 0xffffffff }
func execMovRR32GE(c *CPU, in *Inst) { c.GPR[in.Reg] = c.GPR[in.RM] & 0xffffffff }

// execIncDec32 is INC/DEC r32 (40-4F in legacy modes, FF /0 /1 registers).
func execIncDecReg32(c *CPU, in *Inst) {
	r := in.Reg
	a := c.GPR[r] & 0xffffffff
	cf := c.cf()
	var res uint64
	if in.Op&8 != 0 {
		res = a - 1
		c.lazyOp = lazyDec
	} else {
		res = a + 1
		c.lazyOp = lazyInc
	}
	c.lazySize, c.lazyCin, c.lazyA, c.lazyB, c.lazyRes = 4, cf, a, 1, res
	c.GPR[r] = res & 0xffffffff
}
