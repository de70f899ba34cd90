package nsvm

import (
	"encoding/binary"
	"fmt"

	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/paging"
	"github.com/govmm/govmm/x86/svm"
)

// Nested SVM: L1's VMRUN is emulated by running L2 on vmcb02, built from
// L1's vmcb12 and L0's own needs, and L2's exits are either handled by L0
// (invisibly to L1) or reflected to L1 as a nested #VMEXIT written into
// vmcb12. KVM: arch/x86/kvm/svm/nested.c.

// nestedState is L0's bookkeeping while L1 runs L2.
type nestedState struct {
	active     bool
	runPending bool     // vmcb02 has not run yet: its EVENTINJ is L1's (KVM: nested_run_pending)
	vmcb12GPA  uint64   // where vmcb12 lives in L1 memory
	setNRIP0   bool     // the reflected exit carries NRIP = 0
	tfAtVMRUN  bool     // L1 ran VMRUN with RFLAGS.TF: #DB once it resumes
	ctl12      svm.VMCB // the cached copy of vmcb12 (KVM: svm->nested.ctl / save cache)
}

// l1Has reports whether L1 sees SVM feature f.
func (v *VCPU) l1Has(f svm.Features) bool { return v.cpu.SVMFeatures()&f != 0 }

// vmrunIntercept emulates L1's VMRUN. KVM: vmrun_interception →
// nested_svm_vmrun → enter_svm_guest_mode.
func (v *VCPU) vmrunIntercept(rec *Record) (Stop, bool) {
	l1 := &v.l1
	if l1.efer&x86.EFERSVME == 0 {
		return v.injectUD(rec) // the silicon saw L0's EFER; L1's has no SVME
	}
	if v.cpu.VMHsavePA == 0 {
		return v.injectGP(rec) // KVM refuses VMRUN without a host save area
	}
	gpa := l1.vmcb.Save.RAX
	if v.decodeMode() != x86.Mode64 {
		gpa &= 0xffffffff
	}
	gpa &^= 0xfff // the low 12 bits of rAX are ignored
	if gpa+svm.VMCBSize > uint64(len(v.cpu.RAM)) {
		return v.injectGP(rec)
	}
	// Read vmcb12 once (no TOCTOU): every later use is of this copy.
	var v12 svm.VMCB
	v12.Load(v.cpu.RAM[gpa : gpa+svm.VMCBSize])
	tf := l1.vmcb.Save.RFLAGS&x86.FlagTF != 0
	if !v.skipInstruction() {
		return v.stopUnsupported(rec, "cannot decode VMRUN at rip %#x", l1.vmcb.Save.RIP)
	}
	rec.Note = fmt.Sprintf("vmrun vmcb12@%#x", gpa)
	if !v.cpu.VMCBValid(&v12) {
		// VMEXIT_INVALID: written into vmcb12; L1 continues after VMRUN
		// with GIF cleared and nothing else changed. KVM: nested_svm_vmrun.
		v12.ExitCode = svm.ExitInvalid
		v12.ExitInfo1, v12.ExitInfo2 = 0, 0
		v12.EventInj = 0
		v.storeVMCB12(gpa, &v12)
		v.gif = false
		rec.Action = ActionHandled
		rec.Note += " -> VMEXIT_INVALID"
		if tf {
			v.singleStep()
		}
		return Stop{}, false
	}
	if v12.MiscCtl&svm.MiscCtlNPEnable != 0 && v.l1Has(svm.FeatureNP) {
		// L1 sees NP (a feature set such as qemu-max) and turns it on:
		// running L2 on L1's page tables instead would be silently wrong.
		return v.stopUnsupported(rec, "L1 enables nested paging for L2 (NP_ENABLE in vmcb12 at %#x): nested NPT is not implemented; run without NP in --svm-features", gpa)
	}
	v.enterGuestMode(gpa, &v12)
	v.nested.tfAtVMRUN = tf
	rec.Action = ActionHandled
	if !v.l2PDPTEsLoadable(&v12) {
		// L2's PAE PDPTEs cannot be loaded: the entry fails after L2's
		// state was loaded, so L1 sees a full #VMEXIT with
		// VMEXIT_INVALID. KVM: nested_svm_load_cr3 failing in
		// enter_svm_guest_mode.
		rec.Note += " -> VMEXIT_INVALID (PDPTE)"
		v.nestedVMExit(svm.ExitInvalid, 0, 0)
	}
	return Stop{}, false
}

// l2PDPTEsLoadable reports whether VMRUN can load the four PDPTEs of an L2
// in legacy PAE paging (CR0.PG, CR4.PAE, EFER.LMA clear) without nested
// paging: the 32-byte table at CR3 lies in L1's RAM and no present entry
// has a reserved bit (2:1, 8:5, or 63:MAXPHYADDR). Other paging modes have
// nothing to load.
func (v *VCPU) l2PDPTEsLoadable(v12 *svm.VMCB) bool {
	s := &v12.Save
	if s.CR0&x86.CR0PG == 0 || s.CR4&x86.CR4PAE == 0 || s.EFER&x86.EFERLMA != 0 {
		return true
	}
	base := s.CR3 & 0xffffffe0
	if base+32 > uint64(len(v.cpu.RAM)) {
		return false
	}
	for i := uint64(0); i < 4; i++ {
		e := binary.LittleEndian.Uint64(v.cpu.RAM[base+8*i:])
		if e&paging.P != 0 && paging.PDPTEReserved(e, x86.MaxPhysAddr) {
			return false
		}
	}
	return true
}

// storeVMCB12 writes vmcb12 back into L1 memory.
func (v *VCPU) storeVMCB12(gpa uint64, v12 *svm.VMCB) {
	v12.Store(v.cpu.RAM[gpa : gpa+svm.VMCBSize])
	v.cpu.Invalidate()
}

// enterGuestMode builds vmcb02 and switches to L2.
// KVM: enter_svm_guest_mode → nested_vmcb02_prepare_control/_save.
func (v *VCPU) enterGuestMode(gpa uint64, v12 *svm.VMCB) {
	n := &v.nested
	n.active, n.runPending, n.vmcb12GPA, n.ctl12 = true, true, gpa, *v12
	l1, l2 := &v.l1, &v.l2
	c02 := &l2.vmcb
	*c02 = svm.VMCB{}

	// Control area. Intercepts: L0's OR L1's (KVM: recalc_intercepts).
	for i := range c02.Intercepts {
		c02.Intercepts[i] = l1.vmcb.Intercepts[i] | v12.Intercepts[i]
	}
	c02.ClearIntercept(svm.InterceptVINTR) // L0's own window is armed per entry
	c02.ClearIntercept(svm.InterceptIRET)
	if v12.Intercepted(svm.InterceptVINTR) {
		c02.SetIntercept(svm.InterceptVINTR)
	}
	if v12.Intercepted(svm.InterceptIRET) {
		c02.SetIntercept(svm.InterceptIRET)
	}
	// IOPM: L0 intercepts no port, so vmcb02 uses L1's map when L1 asks
	// for I/O interception and L0's empty map otherwise.
	c02.IOPMBasePA = l1.vmcb.IOPMBasePA
	if v12.Intercepted(svm.InterceptIOIOProt) {
		c02.IOPMBasePA = v12.IOPMBasePA &^ 0xfff
	}
	// MSRPM: L0's bits OR L1's (KVM: nested_svm_merge_msrpm).
	priv := v.cpu.Private
	l0pm := priv[msrpmOff : msrpmOff+0x2000]
	pm := priv[msrpm02Off : msrpm02Off+0x2000]
	copy(pm, l0pm)
	if v12.Intercepted(svm.InterceptMSRProt) {
		base := v12.MSRPMBasePA &^ 0xfff
		for i := range pm {
			if a := base + uint64(i); a < uint64(len(v.cpu.RAM)) {
				pm[i] |= v.cpu.RAM[a]
			} else {
				pm[i] = 0xff
			}
		}
	}
	c02.MSRPMBasePA = v.cpu.PrivateBase + msrpm02Off
	c02.TSCOffset = l1.vmcb.TSCOffset + v12.TSCOffset
	c02.ASID = 2 // L0-managed; vmcb12's ASID was only checked to be non-zero
	// int_ctl: L1's virtual interrupt fields, L0's V_INTR_MASKING; vGIF
	// for L2 is L1's when L1 enabled it.
	keep := uint32(svm.IntCtlVTPRMask | svm.IntCtlVIRQ | svm.IntCtlVIntrPrioMask | svm.IntCtlVIgnTPR)
	if v.l1Has(svm.FeatureVGIF) {
		keep |= svm.IntCtlVGIF | svm.IntCtlVGIFEnable
	}
	c02.IntCtl = v12.IntCtl&keep | svm.IntCtlVIntrMasking
	c02.IntVector = v12.IntVector & svm.IntVectorMask
	c02.IntState = v12.IntState & svm.IntStateInterruptShadow
	c02.EventInj = v12.EventInj &^ svm.EventReservedMask
	// next_rip: vmcb12's when L1 has NRIPS, else L2's RIP — an NRIPS-less
	// CPU pushes RIP for a soft event (KVM: nested_vmcb02_prepare_control).
	if v.l1Has(svm.FeatureNRIPS) {
		c02.NRIP = v12.NRIP
	} else {
		c02.NRIP = v12.Save.RIP
	}
	// An interrupt window L0 opened on vmcb01 must not outlive the event
	// state: its V_IRQ and VINTR intercept would fire in L1 after the
	// #VMEXIT with nothing left to close them (an endless VINTR storm).
	v.closeIRQWindow()
	// Soft events injected by L1 have no backing instruction in L2: record
	// their RIPs now so an L0-only exit during their delivery re-stuffs
	// next_rip without decoding. KVM: is_evtinj_soft / soft_int_* setup.
	v.ev = events{nmiPending: v.ev.nmiPending} // a pending NMI is the vCPU's, whichever level runs
	if e := c02.EventInj; e.Valid() && (e.Type() == svm.EventTypeSoftInt || e.Type() == svm.EventTypeException && softException(e.Vector())) {
		v.ev.soft.injected = true
		v.ev.soft.csbase = v12.Save.CS.Base
		v.ev.soft.oldRIP = v12.Save.RIP
		v.ev.soft.nextRIP = c02.NRIP
	}

	// Save area from vmcb12 (KVM: nested_vmcb02_prepare_save); the VMLOAD
	// state is whatever L1 last loaded (it lives in vmcb01).
	s, s12 := &c02.Save, &v12.Save
	s.ES, s.CS, s.SS, s.DS = s12.ES, s12.CS, s12.SS, s12.DS
	s.GDTR, s.IDTR = s12.GDTR, s12.IDTR
	s.CPL = s12.CPL
	s.RFLAGS = s12.RFLAGS | 2
	s.RIP, s.RSP, s.RAX = s12.RIP, s12.RSP, s12.RAX
	s.CR2, s.CR4 = s12.CR2, s12.CR4
	s.DR6, s.DR7 = s12.DR6, s12.DR7|0x400
	s.GPAT = l1.vmcb.Save.GPAT
	copyVMLoadState(s, &l1.vmcb.Save)
	l2.cr0, l2.cr3, l2.efer = s12.CR0, s12.CR3, s12.EFER
	l2.mmu.Zap()
	v.gif = true
	v.cur = l2
}

// copyVMLoadState copies the VMLOAD/VMSAVE state set from src to dst.
func copyVMLoadState(dst, src *svm.Save) {
	dst.FS, dst.GS, dst.TR, dst.LDTR = src.FS, src.GS, src.TR, src.LDTR
	dst.KernelGSBase, dst.STAR, dst.LSTAR, dst.CSTAR, dst.SFMASK = src.KernelGSBase, src.STAR, src.LSTAR, src.CSTAR, src.SFMASK
	dst.SysenterCS, dst.SysenterESP, dst.SysenterEIP = src.SysenterCS, src.SysenterESP, src.SysenterEIP
}

// exitToL1 decides whether L2's exit goes to L1: the exits L0 always owns
// (physical interrupts, shadow-paging faults) stay; the others go to L1 if
// vmcb12 intercepts them. KVM: nested_svm_exit_special / nested_svm_intercept.
func (v *VCPU) exitToL1() bool {
	c02 := &v.l2.vmcb
	c12 := &v.nested.ctl12
	code := c02.ExitCode
	switch {
	case code == svm.ExitINTR || code == svm.ExitNMI:
		return false // L0's: time slices, kicks, host interrupts
	case code == svm.ExitExcpPF:
		return false // decided after the shadow walk (pfIntercept)
	case code == svm.ExitVINTR, code == svm.ExitIRET:
		return c12.Intercepted(svm.Intercept(code)) && !v.ev.irqWindow && v.ev.iretRIP == 0
	case code == svm.ExitMSR:
		return v.l1MSRIntercepted(uint32(v.gpr(x86.RCX)), c02.ExitInfo1 == 1)
	case code == svm.ExitIOIO:
		return true // vmcb02 uses L1's IOPM: any IOIO exit is L1's
	case code == svm.ExitCR0Write:
		if c12.Intercepted(svm.InterceptCR0Write) {
			return true
		}
		// L0's CR0 write intercept hides L1's selective one: reflect as
		// CR0_SEL_WRITE when the write changes more than TS and MP.
		if c12.Intercepted(svm.InterceptSelectiveCR0) {
			if val, ok := v.cr0WriteValue(); ok && (val^v.l2.cr0)&^uint64(x86.CR0TS|x86.CR0MP) != 0 {
				c02.ExitCode = svm.ExitCR0SelWrite
				return true
			}
		}
		return false
	}
	if i, ok := code.Intercept(); ok {
		return c12.Intercepted(i)
	}
	return false
}

// l1MSRIntercepted looks the MSR up in L1's MSRPM.
func (v *VCPU) l1MSRIntercepted(msr uint32, write bool) bool {
	c12 := &v.nested.ctl12
	if !c12.Intercepted(svm.InterceptMSRProt) {
		return false
	}
	var off uint64
	switch {
	case msr <= 0x1fff:
	case msr >= 0xc0000000 && msr <= 0xc0001fff:
		off = 0x800 * 8
	case msr >= 0xc0010000 && msr <= 0xc0011fff:
		off = 0x1000 * 8
	default:
		return true
	}
	bit := off + uint64(msr&0x1fff)*2 + b2u64(write)
	a := c12.MSRPMBasePA&^0xfff + bit/8
	return a >= uint64(len(v.cpu.RAM)) || v.cpu.RAM[a]>>(bit%8)&1 != 0
}

func b2u64(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// nestedVMExit reflects the current exit of L2 to L1: vmcb12 receives L2's
// state and the exit information, L1 resumes after its VMRUN with GIF=0.
// The event L0 had requeued from EXITINTINFO becomes vmcb12's EXITINTINFO.
// KVM: nested_svm_vmexit.
func (v *VCPU) nestedVMExit(code svm.ExitCode, info1, info2 uint64) {
	n := &v.nested
	l1, l2 := &v.l1, &v.l2
	c02 := &l2.vmcb
	v12 := n.ctl12
	s12, s := &v12.Save, &c02.Save
	s12.ES, s12.CS, s12.SS, s12.DS = s.ES, s.CS, s.SS, s.DS
	s12.GDTR, s12.IDTR = s.GDTR, s.IDTR
	s12.EFER, s12.CR0, s12.CR3 = l2.efer, l2.cr0, l2.cr3
	s12.CR2, s12.CR4 = s.CR2, s.CR4
	s12.RFLAGS, s12.RIP, s12.RSP, s12.RAX = s.RFLAGS, s.RIP, s.RSP, s.RAX
	s12.DR6, s12.DR7 = s.DR6, s.DR7
	s12.CPL = s.CPL
	v12.ExitCode, v12.ExitInfo1, v12.ExitInfo2 = code, info1, info2
	v12.ExitIntInfo = v.requeuedEvent()
	v12.IntCtl = v12.IntCtl&^(svm.IntCtlVTPRMask|svm.IntCtlVIRQ) | c02.IntCtl&(svm.IntCtlVTPRMask|svm.IntCtlVIRQ)
	if v.ev.irqWindow {
		v12.IntCtl = v12.IntCtl&^svm.IntCtlVIRQ | n.ctl12.IntCtl&svm.IntCtlVIRQ
	}
	v12.IntState = c02.IntState
	if v.l1Has(svm.FeatureNRIPS) {
		v12.NRIP = c02.NRIP
		if n.setNRIP0 {
			v12.NRIP = 0
		}
	}
	n.setNRIP0 = false
	if v.l1Has(svm.FeatureDecodeAssists) {
		v12.InsnLen, v12.InsnBytes = c02.InsnLen, c02.InsnBytes
	}
	v12.EventInj = 0
	v.storeVMCB12(n.vmcb12GPA, &v12)

	// Back to L1: the VMLOAD state is L2's until L1 reloads its own; host
	// state restored as the silicon would (KVM: nested_svm_vmexit).
	copyVMLoadState(&l1.vmcb.Save, s)
	l1.vmcb.Save.RAX = n.vmcb12GPA
	l1.vmcb.Save.DR7 = 0x400
	l1.vmcb.Save.CPL = 0
	n.active, n.runPending = false, false
	v.ev = events{nmiPending: v.ev.nmiPending}
	v.gif = false
	v.cur = l1
	if n.tfAtVMRUN {
		// VMRUN completes when L1 resumes after it: its single-step trap
		// is taken then, at the instruction after VMRUN.
		n.tfAtVMRUN = false
		v.singleStep()
	}
}

// requeuedEvent is the event L0 requeued from vmcb02's EXITINTINFO, as an
// EXITINTINFO value for vmcb12.
func (v *VCPU) requeuedEvent() svm.Event {
	e := &v.ev
	switch {
	case e.exc.injected:
		if e.exc.hasErr {
			return svm.NewEventErr(svm.EventTypeException, e.exc.vector, e.exc.err)
		}
		return svm.NewEvent(svm.EventTypeException, e.exc.vector)
	case e.nmiInjected:
		return svm.NewEvent(svm.EventTypeNMI, x86.VecNMI)
	case e.irq.injected && e.irq.soft:
		return svm.NewEvent(svm.EventTypeSoftInt, e.irq.vector)
	case e.irq.injected:
		return svm.NewEvent(svm.EventTypeIntr, e.irq.vector)
	}
	return 0
}
