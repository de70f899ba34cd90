package x86

import "github.com/govmm/govmm/x86/svm"

// Intercept helpers used by the instruction handlers, and the SVM
// instructions themselves. Priority follows APM 15.7: the simple exceptions
// an instruction checks first (#UD, #GP for CPL) come before its intercept;
// memory and operand faults come after.

// fillInsnBytes records up to 15 instruction bytes at CS:RIP for decode
// assists (#PF and NPF exits). Bytes that cannot be fetched end the copy.
func (c *CPU) fillInsnBytes() {
	if !c.hasSVM(svm.FeatureDecodeAssists) {
		return
	}
	lin := c.RIP
	if c.mode != Mode64 {
		lin = (c.Seg[CS].Base + c.RIP) & 0xffffffff
	}
	n := 0
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(faultPanic); !ok {
					panic(r)
				}
			}
		}()
		for ; n < 15; n++ {
			c.exit.insnBytes[n] = c.fetchByteSlow(lin + uint64(n))
		}
	}()
	c.exit.insnLen = uint8(n)
}

// crExitInfo is EXITINFO1 of a MOV CR/DR intercept with decode assists: bit
// 63 set for MOV, the GPR number in bits 3:0.
func (c *CPU) crExitInfo(gpr uint8, isMov bool) uint64 {
	if !c.hasSVM(svm.FeatureDecodeAssists) {
		return 0
	}
	if isMov {
		return 1<<63 | uint64(gpr&15)
	}
	return 0
}

// ioIntercept applies the IOIO intercept for an access of size bytes at
// port: the IOPM has a bit per port, and a multi-byte access exits if any of
// its ports' bits is set.
func (c *CPU) ioIntercept(in *Inst, port uint16, size uint8, isIn, str bool) {
	if !c.intercepted(svm.InterceptIOIOProt) {
		return
	}
	base := c.guest.vmcb.IOPMBasePA &^ 0xfff
	hit := false
	for p := uint32(port); p < uint32(port)+uint32(size); p++ {
		a := base + uint64(p>>3)
		if b := c.physSlice(a, 1); b == nil || b[0]>>(p&7)&1 != 0 {
			hit = true // bits outside memory count as set
		}
	}
	if !hit {
		return
	}
	info := uint64(port)<<svm.IOIOPortShift | uint64(size)<<svm.IOIOSizeShift
	if isIn {
		info |= svm.IOIOTypeIn
	}
	if str {
		info |= svm.IOIOStr
		seg := uint64(in.Seg)
		if isIn {
			seg = ES
		}
		info |= seg << svm.IOIOSegShift
	}
	if in.Prefix&(pfxRep|pfxRepne) != 0 {
		info |= svm.IOIORep
	}
	switch in.AdSize {
	case 2:
		info |= svm.IOIOA16
	case 4:
		info |= svm.IOIOA32
	default:
		info |= svm.IOIOA64
	}
	c.vmexit(svm.ExitIOIO, info, c.next, c.next)
}

// msrIntercept applies the MSR intercept: the MSRPM has two bits per MSR
// (read, write) for the ranges 0-1FFF, C000_0000-C000_1FFF and
// C001_0000-C001_1FFF; other MSRs always exit.
func (c *CPU) msrIntercept(msr uint32, write bool) {
	if !c.intercepted(svm.InterceptMSRProt) {
		return
	}
	var off uint64
	switch {
	case msr <= 0x1fff:
		off = 0
	case msr >= 0xc0000000 && msr <= 0xc0001fff:
		off = 0x800 * 8
	case msr >= 0xc0010000 && msr <= 0xc0011fff:
		off = 0x1000 * 8
	default:
		c.vmexit(svm.ExitMSR, b2u(write), 0, c.next)
	}
	bit := off + uint64(msr&0x1fff)*2
	if write {
		bit++
	}
	a := c.guest.vmcb.MSRPMBasePA&^0xfff + bit/8
	if b := c.physSlice(a, 1); b == nil || b[0]>>(bit&7)&1 != 0 {
		c.vmexit(svm.ExitMSR, b2u(write), 0, c.next)
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// svmInsnChecks are the checks every SVM instruction makes first: #UD
// without EFER.SVME (or outside protected mode), #GP at CPL > 0.
func (c *CPU) svmInsnChecks() {
	if c.EFER&EFERSVME == 0 || c.CR0&CR0PE == 0 || c.RFLAGS&FlagVM != 0 {
		c.raiseUD()
	}
	if c.CPL != 0 {
		c.raiseGP(0)
	}
}

// svmAddr returns the physical address in rAX for VMRUN/VMLOAD/VMSAVE,
// raising #GP when it is not page-aligned or beyond MAXPHYADDR
// (SvmeAddrChk) — the check happens before the intercept.
func (c *CPU) svmAddr(in *Inst) uint64 {
	a := c.GPR[RAX] & sizeMask[in.AdSize]
	if a&0xfff != 0 || a>>MaxPhysAddr != 0 {
		c.raiseGP(0)
	}
	return a
}

// svmInstruction executes 0F 01 D8-DF.
func (c *CPU) svmInstruction(in *Inst) {
	if c.svmFeatures == 0 {
		c.raiseUD()
	}
	switch in.ModRM {
	case 0xd8: // VMRUN
		c.svmInsnChecks()
		c.svmAddr(in)
		c.intercept(svm.InterceptVMRUN, 0, 0)
		c.unsupported("VMRUN outside an L0 (run the guest under nsvm)")
	case 0xd9: // VMMCALL: #UD unless intercepted
		c.intercept(svm.InterceptVMMCALL, 0, 0)
		c.raiseUD()
	case 0xda: // VMLOAD
		c.svmInsnChecks()
		a := c.svmAddr(in)
		c.intercept(svm.InterceptVMLOAD, 0, 0)
		var v svm.VMCB
		c.loadVMCBPhys(a, &v)
		c.VMLoad(&v.Save)
	case 0xdb: // VMSAVE
		c.svmInsnChecks()
		a := c.svmAddr(in)
		c.intercept(svm.InterceptVMSAVE, 0, 0)
		var v svm.VMCB
		c.loadVMCBPhys(a, &v)
		c.VMSave(&v.Save)
		c.storeVMCBPhys(a, &v)
	case 0xdc: // STGI
		if c.EFER&EFERSVME == 0 && !c.hasSVM(svm.FeatureSVML) {
			c.raiseUD()
		}
		c.svmInsnChecks()
		c.intercept(svm.InterceptSTGI, 0, 0)
		c.setGIF(true)
	case 0xdd: // CLGI
		c.svmInsnChecks()
		c.intercept(svm.InterceptCLGI, 0, 0)
		c.setGIF(false)
	case 0xde: // SKINIT: not implemented (no secure init); #UD unless intercepted
		if c.EFER&EFERSVME == 0 {
			c.raiseUD()
		}
		c.intercept(svm.InterceptSKINIT, 0, 0)
		c.raiseUD()
	case 0xdf: // INVLPGA rAX, ECX
		c.svmInsnChecks()
		c.intercept(svm.InterceptINVLPGA, 0, 0)
		c.tlb.flushAll()
		c.icode.resetFetch()
	}
}

// setGIF writes GIF, or V_GIF when the running VMCB enables VGIF.
func (c *CPU) setGIF(v bool) {
	if vm := c.guest.vmcb; vm != nil && c.hasSVM(svm.FeatureVGIF) && vm.IntCtl&svm.IntCtlVGIFEnable != 0 {
		if v {
			vm.IntCtl |= svm.IntCtlVGIF
		} else {
			vm.IntCtl &^= svm.IntCtlVGIF
		}
		return
	}
	c.gif = v
}

// GIF reports the global interrupt flag.
func (c *CPU) GIF() bool { return c.gif }

// loadVMCBPhys reads a VMCB page from physical memory.
func (c *CPU) loadVMCBPhys(pa uint64, v *svm.VMCB) {
	if pa+svm.VMCBSize > uint64(len(c.RAM)) {
		c.raiseGP(0)
	}
	v.Load(c.RAM[pa : pa+svm.VMCBSize])
}

// storeVMCBPhys writes a VMCB page to physical memory.
func (c *CPU) storeVMCBPhys(pa uint64, v *svm.VMCB) {
	v.Store(c.RAM[pa : pa+svm.VMCBSize])
	c.icode.written(pa, svm.VMCBSize)
}
