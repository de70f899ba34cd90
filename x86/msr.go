package x86

import "github.com/govmm/govmm/x86/svm"

// MSR numbers.
const (
	MSRTSC          = 0x10
	MSRAPICBase     = 0x1b
	MSRSysenterCS   = 0x174
	MSRSysenterESP  = 0x175
	MSRSysenterEIP  = 0x176
	MSRDebugCtl     = 0x1d9
	MSRLastBrFrom   = 0x1db
	MSRLastExcpTo   = 0x1de
	MSRPAT          = 0x277
	MSREFER         = 0xc0000080
	MSRSTAR         = 0xc0000081
	MSRLSTAR        = 0xc0000082
	MSRCSTAR        = 0xc0000083
	MSRSFMASK       = 0xc0000084
	MSRFSBase       = 0xc0000100
	MSRGSBase       = 0xc0000101
	MSRKernelGSBase = 0xc0000102
	MSRTSCAux       = 0xc0000103
	MSRPerfCtl0     = 0xc0010000
	MSRPerfCtr3     = 0xc0010007
	MSRHWCR         = 0xc0010015
	MSRVMCR         = 0xc0010114
	MSRVMHsavePA    = 0xc0010117
)

// TSC returns the time-stamp counter: it advances with retired
// instructions, so runs are reproducible.
func (c *CPU) TSC() uint64 { return c.Insns*c.TSCPerInsn + c.tscOffset + c.guestTSCOffset }

// HostTSC is the TSC without the running VMCB's TSC_OFFSET: the clock the
// platform's timers run on.
func (c *CPU) HostTSC() uint64 { return c.Insns*c.TSCPerInsn + c.tscOffset }

// AdvanceClock moves time forward by ticks without executing instructions
// (a halted CPU waiting for a timer).
func (c *CPU) AdvanceClock(ticks uint64) { c.tscOffset += ticks }

// canonical reports whether v is a canonical 48-bit address.
func canonical(v uint64) bool { return uint64(int64(v<<16)>>16) == v }

// MSR reads MSR n as RDMSR would (0 for an MSR the model lacks).
func (c *CPU) MSR(n uint32) uint64 {
	v, _ := c.rdmsr(n)
	return v
}

// SetMSR writes MSR n as WRMSR would, reporting false where WRMSR raises
// #GP.
func (c *CPU) SetMSR(n uint32, v uint64) bool { return c.wrmsr(n, v) }

// rdmsr reads MSR n, reporting false for MSRs the model does not have.
func (c *CPU) rdmsr(n uint32) (uint64, bool) {
	switch {
	case n == MSRTSC:
		return c.TSC(), true
	case n == MSRAPICBase:
		return c.apicBase, true
	case n == MSRSysenterCS:
		return c.SysenterCS, true
	case n == MSRSysenterESP:
		return c.SysenterESP, true
	case n == MSRSysenterEIP:
		return c.SysenterEIP, true
	case n == MSRDebugCtl:
		return c.DebugCtl, true
	case n >= MSRLastBrFrom && n <= MSRLastExcpTo:
		return 0, true // last-branch recording is not modelled
	case n == MSRPAT:
		return c.PAT, true
	case n == MSREFER:
		return c.EFER, true
	case n == MSRSTAR:
		return c.STAR, true
	case n == MSRLSTAR:
		return c.LSTAR, true
	case n == MSRCSTAR:
		return c.CSTAR, true
	case n == MSRSFMASK:
		return c.SFMASK, true
	case n == MSRFSBase:
		return c.Seg[FS].Base, true
	case n == MSRGSBase:
		return c.Seg[GS].Base, true
	case n == MSRKernelGSBase:
		return c.KernelGSBase, true
	case n == MSRTSCAux:
		return c.tscAux, true
	case n >= MSRPerfCtl0 && n <= MSRPerfCtr3:
		if i := n - MSRPerfCtl0; i < 4 {
			return c.perfCtl[i], true
		}
		return c.perfCtr[n-MSRPerfCtl0-4], true
	case n == MSRHWCR:
		return c.hwcr, true
	case n == MSRVMCR:
		return c.VMCR, true
	case n == MSRVMHsavePA:
		return c.VMHsavePA, true
	}
	return 0, false
}

// wrmsr writes MSR n, reporting false (→ #GP) for unknown MSRs and invalid
// values.
func (c *CPU) wrmsr(n uint32, v uint64) bool {
	switch {
	case n == MSRTSC:
		c.tscOffset = v - c.Insns*c.TSCPerInsn
	case n == MSRAPICBase:
		// Bits 11 (enable), 8 (BSP, read-only) and the base are writable;
		// x2APIC (bit 10) is not advertised.
		if v&(0x6ff|^(uint64(1)<<MaxPhysAddr-1)) != 0 {
			return false
		}
		c.apicBase = v&^0x100 | c.apicBase&0x100
	case n == MSRSysenterCS:
		c.SysenterCS = v & 0xffffffff
	case n == MSRSysenterESP:
		c.SysenterESP = v
	case n == MSRSysenterEIP:
		c.SysenterEIP = v
	case n == MSRDebugCtl:
		if v&^0x3f != 0 {
			return false
		}
		c.DebugCtl = v
	case n >= MSRLastBrFrom && n <= MSRLastExcpTo:
		return false // read-only
	case n == MSRPAT:
		for i := 0; i < 8; i++ {
			switch v >> (8 * i) & 0xff {
			case 0, 1, 4, 5, 6, 7:
			default:
				return false
			}
		}
		c.PAT = v
	case n == MSREFER:
		return c.writeEFER(v)
	case n == MSRSTAR:
		c.STAR = v
	case n == MSRLSTAR, n == MSRCSTAR, n == MSRFSBase, n == MSRGSBase, n == MSRKernelGSBase:
		if !canonical(v) {
			return false
		}
		switch n {
		case MSRLSTAR:
			c.LSTAR = v
		case MSRCSTAR:
			c.CSTAR = v
		case MSRFSBase:
			c.Seg[FS].Base = v
		case MSRGSBase:
			c.Seg[GS].Base = v
		default:
			c.KernelGSBase = v
		}
	case n == MSRSFMASK:
		c.SFMASK = v & 0xffffffff
	case n == MSRTSCAux:
		c.tscAux = v & 0xffffffff
	case n >= MSRPerfCtl0 && n <= MSRPerfCtr3:
		if i := n - MSRPerfCtl0; i < 4 {
			c.perfCtl[i] = v
		} else {
			c.perfCtr[n-MSRPerfCtl0-4] = v & (1<<48 - 1)
		}
	case n == MSRHWCR:
		c.hwcr = v
	case n == MSRVMCR:
		// LOCK makes SVMDIS read-only; setting SVMDIS with EFER.SVME set
		// is refused.
		if v&^svm.VMCRValidMask != 0 || v&svm.VMCRSVMDis != 0 && c.EFER&EFERSVME != 0 {
			return false
		}
		if c.VMCR&svm.VMCRLock != 0 {
			v = v&^(svm.VMCRSVMDis|svm.VMCRLock) | c.VMCR&(svm.VMCRSVMDis|svm.VMCRLock)
		}
		c.VMCR = v
	case n == MSRVMHsavePA:
		if v&0xfff != 0 || v >= 1<<MaxPhysAddr {
			return false
		}
		c.VMHsavePA = v
	default:
		return false
	}
	return true
}

// writeEFER applies the EFER write rules: reserved bits, LMA read-only, LME
// frozen while paging is on, SVME only when SVM is advertised.
func (c *CPU) writeEFER(v uint64) bool {
	allowed := uint64(EFERSCE | EFERLME | EFERLMA | EFERNXE)
	if c.CPUID.has(0x80000001, regECX, CPUIDSVM) {
		allowed |= EFERSVME
	}
	if v&^allowed != 0 {
		return false
	}
	if v&EFERSVME != 0 && c.EFER&EFERSVME == 0 && c.VMCR&svm.VMCRSVMDis != 0 {
		return false // VM_CR.SVMDIS forbids enabling SVM
	}
	if c.CR0&CR0PG != 0 && (v^c.EFER)&EFERLME != 0 {
		return false
	}
	v = v&^EFERLMA | c.EFER&EFERLMA // LMA is set by the processor
	if (v^c.EFER)&EFERNXE != 0 {
		c.tlb.flushAll()
		c.icode.resetFetch()
	}
	c.EFER = v
	return true
}

// 0F 32: RDMSR.
func execRdmsr(c *CPU, in *Inst) {
	if c.CPL != 0 && c.CR0&CR0PE != 0 || c.RFLAGS&FlagVM != 0 {
		c.raiseGP(0)
	}
	c.msrIntercept(uint32(c.GPR[RCX]), false)
	v, ok := c.rdmsr(uint32(c.GPR[RCX]))
	if !ok {
		c.raiseGP(0)
	}
	c.GPR[RAX] = v & 0xffffffff
	c.GPR[RDX] = v >> 32
}

// 0F 30: WRMSR.
func execWrmsr(c *CPU, in *Inst) {
	if c.CPL != 0 && c.CR0&CR0PE != 0 || c.RFLAGS&FlagVM != 0 {
		c.raiseGP(0)
	}
	c.msrIntercept(uint32(c.GPR[RCX]), true)
	if !c.wrmsr(uint32(c.GPR[RCX]), c.GPR[RDX]<<32|c.GPR[RAX]&0xffffffff) {
		c.raiseGP(0)
	}
}

// 0F 31: RDTSC.
func execRdtsc(c *CPU, in *Inst) {
	if c.CR4&CR4TSD != 0 && c.CPL != 0 && c.CR0&CR0PE != 0 {
		c.raiseGP(0)
	}
	if in.Op == 0x131 {
		c.intercept(svm.InterceptRDTSC, 0, 0)
	} else {
		c.intercept(svm.InterceptRDTSCP, 0, 0)
	}
	t := c.TSC()
	c.GPR[RAX] = t & 0xffffffff
	c.GPR[RDX] = t >> 32
}

// 0F 01 F9: RDTSCP.
func execRdtscp(c *CPU, in *Inst) {
	if !c.CPUID.has(0x80000001, regEDX, cpuidRDTSCP) {
		c.raiseUD()
	}
	execRdtsc(c, in)
	c.GPR[RCX] = c.tscAux
}

// 0F 33: RDPMC.
func execRdpmc(c *CPU, in *Inst) {
	if c.CR4&CR4PCE == 0 && c.CPL != 0 && c.CR0&CR0PE != 0 {
		c.raiseGP(0)
	}
	c.intercept(svm.InterceptRDPMC, 0, 0)
	i := c.GPR[RCX] & 0xffffffff
	if i > 3 {
		c.raiseGP(0)
	}
	c.GPR[RAX] = c.perfCtr[i] & 0xffffffff
	c.GPR[RDX] = c.perfCtr[i] >> 32 & 0xffff
}
