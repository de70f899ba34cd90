package x86

import "github.com/govmm/govmm/x86/svm"

// 88/89: MOV Ev,Gv.
func execMovEG(c *CPU, in *Inst) { c.writeRM(in, c.readReg(in)) }

// 8A/8B: MOV Gv,Ev.
func execMovGE(c *CPU, in *Inst) { c.writeReg(in, c.readRM(in)) }

// B0-B7: MOV r8,imm8; B8-BF: MOV r,imm.
func execMovRI(c *CPU, in *Inst) { c.setReg(in.OpSize, in.Reg, in.rex(), in.Imm) }

// C6/C7 /0: MOV Ev,imm.
func execMovEI(c *CPU, in *Inst) {
	if (in.ModRM>>3)&7 != 0 {
		c.raiseUD()
	}
	c.writeRM(in, in.Imm&sizeMask[in.OpSize])
}

// A0-A3: MOV AL/eAX,moffs and MOV moffs,AL/eAX.
func execMovMoffs(c *CPU, in *Inst) {
	off := uint64(in.Disp)
	if in.Op&2 == 0 {
		c.setReg(in.OpSize, RAX, false, c.read(in.Seg, off, in.OpSize))
	} else {
		c.write(in.Seg, off, in.OpSize, c.getReg(in.OpSize, RAX, false))
	}
}

// 8D: LEA Gv,M.
func execLea(c *CPU, in *Inst) {
	if !in.IsMem {
		c.raiseUD()
	}
	c.writeReg(in, c.ea(in))
}

// 86/87: XCHG Ev,Gv (always locked, as on hardware).
func execXchgEG(c *CPU, in *Inst) {
	r := c.readReg(in)
	c.rmw(in, func(c *CPU, in *Inst, v uint64) (uint64, bool) {
		c.writeReg(in, v)
		return r, true
	})
}

// 90-97: XCHG eAX,r (90 without REX.B is NOP; F3 90 is PAUSE).
func execXchgAR(c *CPU, in *Inst) {
	if in.Reg == RAX {
		// 90 is NOP (it does not zero-extend EAX); F3 90 is PAUSE.
		if in.Prefix&pfxRep != 0 {
			c.intercept(svm.InterceptPAUSE, 0, 0)
		}
		return
	}
	a := c.getReg(in.OpSize, RAX, false)
	c.setReg(in.OpSize, RAX, false, c.getReg(in.OpSize, in.Reg, false))
	c.setReg(in.OpSize, in.Reg, false, a)
}

// 98: CBW/CWDE/CDQE.
func execCbw(c *CPU, in *Inst) {
	half := in.OpSize / 2
	c.setReg(in.OpSize, RAX, false, signExt(c.GPR[RAX]&sizeMask[half], half))
}

// 99: CWD/CDQ/CQO.
func execCwd(c *CPU, in *Inst) {
	var v uint64
	if c.GPR[RAX]>>(8*uint(in.OpSize)-1)&1 != 0 {
		v = ^uint64(0)
	}
	c.setReg(in.OpSize, RDX, false, v)
}

// 0F B6/B7: MOVZX; 0F BE/BF: MOVSX.
func execMovx(c *CPU, in *Inst) {
	src := uint8(1)
	if in.Op&1 != 0 {
		src = 2
	}
	var v uint64
	if in.IsMem {
		v = c.read(in.Seg, c.ea(in), src)
	} else {
		v = c.getReg(src, in.RM, in.rex())
	}
	if in.Op&8 != 0 {
		v = signExt(v, src)
	}
	c.writeReg(in, v)
}

// 63 (64-bit mode): MOVSXD Gv,Ed.
func execMovsxd(c *CPU, in *Inst) {
	var v uint64
	if in.IsMem {
		v = c.read(in.Seg, c.ea(in), 4)
	} else {
		v = c.GPR[in.RM] & 0xffffffff
	}
	if in.OpSize == 8 {
		v = signExt(v, 4)
	}
	c.writeReg(in, v)
}

// 0F 40-4F: CMOVcc Gv,Ev. The source is read (and may fault) whatever the
// condition; a 32-bit CMOV zero-extends the destination even when false.
func execCmov(c *CPU, in *Inst) {
	v := c.readRM(in)
	if c.cond(uint8(in.Op) & 0xf) {
		c.writeReg(in, v)
	} else if in.OpSize == 4 {
		c.writeReg(in, c.readReg(in))
	}
}

// 0F 90-9F: SETcc Eb.
func execSetcc(c *CPU, in *Inst) {
	var v uint64
	if c.cond(uint8(in.Op) & 0xf) {
		v = 1
	}
	c.writeRM(in, v)
}

// D7: XLAT.
func execXlat(c *CPU, in *Inst) {
	off := (c.GPR[RBX] + c.GPR[RAX]&0xff) & sizeMask[in.AdSize]
	c.setReg(1, RAX, false, c.read(in.Seg, off, 1))
}

// 0F C8-CF: BSWAP r.
func execBswap(c *CPU, in *Inst) {
	r := in.Reg
	switch in.OpSize {
	case 8:
		v := c.GPR[r]
		var o uint64
		for i := 0; i < 8; i++ {
			o = o<<8 | v>>(8*i)&0xff
		}
		c.GPR[r] = o
	case 4:
		v := uint32(c.GPR[r])
		c.GPR[r] = uint64(v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24)
	default:
		c.setReg(2, r, false, 0) // BSWAP of a 16-bit register is undefined; AMD gives 0
	}
}
