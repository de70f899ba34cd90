package x86

// x87: the control instructions test kernels use (FNINIT, FNOP, FNSTSW,
// FNSTCW, FLDCW, FWAIT) with #NM from CR0.TS/EM. Arithmetic x87
// instructions stop the CPU as unsupported with a clear message.

// fpuAvailable raises #NM when CR0.EM or CR0.TS says so.
func (c *CPU) fpuAvailable() {
	if c.CR0&(CR0EM|CR0TS) != 0 {
		c.raise(VecNM, 0)
	}
}

// 9B: WAIT/FWAIT: #NM only when both MP and TS are set.
func execWait(c *CPU, in *Inst) {
	if c.CR0&(CR0MP|CR0TS) == CR0MP|CR0TS {
		c.raise(VecNM, 0)
	}
}

// D8-DF: x87 escape.
func execX87(c *CPU, in *Inst) {
	c.fpuAvailable()
	op := uint8(in.Op) & 7 // D8+op
	reg := (in.ModRM >> 3) & 7
	if in.IsMem {
		switch {
		case op == 1 && reg == 5: // FLDCW m16
			c.fcw = uint16(c.read(in.Seg, c.ea(in), 2))
			return
		case op == 1 && reg == 7: // FNSTCW m16
			c.write(in.Seg, c.ea(in), 2, uint64(c.fcw))
			return
		case op == 5 && reg == 7: // FNSTSW m16
			c.write(in.Seg, c.ea(in), 2, uint64(c.fsw))
			return
		}
	} else {
		switch {
		case op == 1 && in.ModRM == 0xd0: // FNOP
			return
		case op == 3 && in.ModRM == 0xe3: // FNINIT
			c.fcw, c.fsw, c.ftw = 0x37f, 0, 0xffff
			return
		case op == 3 && in.ModRM == 0xe2: // FNCLEX
			c.fsw &= 0x7f00
			return
		case op == 7 && in.ModRM == 0xe0: // FNSTSW AX
			c.GPR[RAX] = c.GPR[RAX]&^0xffff | uint64(c.fsw)
			return
		}
	}
	c.unsupported("x87 instruction %02x %02x (only FNINIT/FNOP/FNCLEX/FNSTSW/FNSTCW/FLDCW are modelled)", 0xd8+op, in.ModRM)
}
