package nsvm

import (
	"fmt"

	"github.com/govmm/govmm/mmu"
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/paging"
	"github.com/govmm/govmm/x86/svm"
)

// Host is what L0 needs from the VM around it.
type Host interface {
	// InterruptPending reports whether the platform's interrupt controller
	// has an external interrupt for the CPU.
	InterruptPending() bool
	// AckInterrupt acknowledges it and returns its vector.
	AckInterrupt() (vector uint8, ok bool)
	// NextDeadline is the host TSC at which the next timer fires.
	NextDeadline() (tsc uint64, ok bool)
	// Tick brings the devices' timers up to the current host TSC.
	Tick()
	// Stopped reports whether the VM must stop (isa-debug-exit written).
	Stopped() bool
	// TakeNMI reports (and clears) an NMI raised by the platform (an NMI
	// IPI through the local APIC).
	TakeNMI() bool
}

// SoftIntMode selects how soft events interrupted by an exit are completed.
type SoftIntMode uint8

// Soft-interrupt completion modes.
const (
	// SoftIntReinject re-injects INT3/INTO/INTn with a correct next_rip
	// (KVM since 2022).
	SoftIntReinject SoftIntMode = iota
	// SoftIntRetry drops the event and lets the guest re-execute the
	// instruction (KVM before 2022): code breakpoints on the instruction
	// fire again, and events with no backing instruction are lost.
	SoftIntRetry
)

// Config configures L0.
type Config struct {
	SoftInt SoftIntMode
	Zap     ZapPolicy
	// Trace, when set, receives one record per world switch.
	Trace func(Record)
}

// StopReason says why Run returned.
type StopReason uint8

// Run outcomes.
const (
	StopBudget      StopReason = iota // the instruction budget is used up
	StopHost                          // Host.Stopped (isa-debug-exit)
	StopShutdown                      // the guest triple-faulted
	StopHalted                        // HLT with nothing that can wake the CPU
	StopUnsupported                   // the guest needs something govmm does not model
)

// Stop is the result of Run.
type Stop struct {
	Reason StopReason
	Detail string
}

// VCPU is L0's state for one L1 vCPU.
type VCPU struct {
	cpu  *x86.CPU
	host Host
	cfg  Config

	// l1 is L1 on vmcb01; l2 is L2 on vmcb02 while L1 runs a nested guest;
	// cur is the level running now.
	l1, l2 level
	cur    *level
	nested nestedState
	gif    bool // L1's GIF

	ev events

	immediateExit bool // run the next VMRUN for one instruction (KVM: req_immediate_exit)
	retired       bool // the last VMRUN retired at least one guest instruction
	faultTraps    bool // intercept delivery faults for this entry (soft injection without NRIPS)
	trapped       bool // the last exit is one of those temporary intercepts

	// afterExit, when set (tests), runs after each exit is handled and
	// before the next injection.
	afterExit func(Record)

	pendingRec    Record // the last exit's record, emitted after the next injection
	hasPendingRec bool

	exits   uint64 // world switches so far
	zapLeft int    // exits until the next zap (ZapEvery)
	lastPF  struct {
		addr  uint64
		count int
	}
}

// level is one guest level L0 runs: its VMCB, its shadow MMU and the
// registers L0 virtualizes for it (the hardware values in the VMCB differ:
// CR0.PG/WP forced, CR3 = shadow root, EFER.LME hidden while paging is off).
type level struct {
	vmcb           svm.VMCB
	mmu            *mmu.Shadow
	cr0, cr3, efer uint64
}

// Private memory layout: L0's IOPM and MSRPM, vmcb02's merged MSRPM, then
// shadow page tables (half for L1's, half for L2's).
const (
	iopmOff    = 0
	msrpmOff   = 0x3000
	msrpm02Off = 0x5000
	shadowOff  = 0x7000
)

// New creates L0 for the CPU's current state (L1 starts where the CPU is:
// the Multiboot entry state). The CPU must have Private memory for L0.
func New(cpu *x86.CPU, host Host, cfg Config) (*VCPU, error) {
	if len(cpu.Private) < shadowOff+128*4096 {
		return nil, fmt.Errorf("nsvm: L0 needs at least %d KiB of private memory", (shadowOff+128*4096)>>10)
	}
	v := &VCPU{cpu: cpu, host: host, cfg: cfg, gif: true}
	v.cur = &v.l1
	priv, base := cpu.Private, cpu.PrivateBase
	reserved := func(gpa uint64) bool { return gpa >= base && gpa < base+uint64(len(priv)) }
	half := (len(priv) - shadowOff) / 2 &^ 0xfff
	v.l1.mmu = mmu.New(cpu, priv[shadowOff:shadowOff+half], base+shadowOff, x86.MaxPhysAddr, reserved)
	v.l2.mmu = mmu.New(cpu, priv[shadowOff+half:shadowOff+2*half], base+shadowOff+uint64(half), x86.MaxPhysAddr, reserved)
	v.zapLeft = cfg.Zap.Every
	v.initVMCB01()
	return v, nil
}

// initVMCB01 sets up vmcb01 from the CPU's state and L0's intercepts.
// KVM: init_vmcb.
func (v *VCPU) initVMCB01() {
	c := v.cpu
	s := c.GetState()
	vm := &v.cur.vmcb
	for _, i := range []svm.Intercept{
		svm.InterceptCR0Read, svm.InterceptCR3Read,
		svm.InterceptCR0Write, svm.InterceptCR3Write, svm.InterceptCR4Write,
		svm.InterceptExcpPF,
		svm.InterceptINTR, svm.InterceptNMI,
		svm.InterceptCPUID, svm.InterceptHLT, svm.InterceptINVLPG, svm.InterceptINVLPGA,
		svm.InterceptIOIOProt, svm.InterceptMSRProt, svm.InterceptShutdown,
		svm.InterceptVMRUN, svm.InterceptVMMCALL, svm.InterceptVMLOAD, svm.InterceptVMSAVE,
		svm.InterceptSTGI, svm.InterceptCLGI, svm.InterceptSKINIT,
		svm.InterceptICEBP,
	} {
		vm.SetIntercept(i)
	}
	vm.ASID = 1
	vm.IntCtl = svm.IntCtlVIntrMasking
	vm.IOPMBasePA = c.PrivateBase + iopmOff
	vm.MSRPMBasePA = c.PrivateBase + msrpmOff
	// MSRs L0 virtualizes: EFER (PG/LME differ under shadow paging), the
	// SVM MSRs (nested SVM is L0's) and the TSC (a guest write becomes
	// TSC_OFFSET, so the platform's clock never jumps).
	for _, msr := range []uint32{x86.MSREFER, x86.MSRVMHsavePA, x86.MSRVMCR, x86.MSRTSC} {
		v.setMSRIntercept(msr)
	}
	v.cur.cr0, v.cur.cr3, v.cur.efer = s.CR0, s.CR3, s.EFER
	sv := &vm.Save
	sv.ES, sv.CS, sv.SS, sv.DS = seg(s.Seg[x86.ES]), seg(s.Seg[x86.CS]), seg(s.Seg[x86.SS]), seg(s.Seg[x86.DS])
	sv.FS, sv.GS, sv.TR, sv.LDTR = seg(s.Seg[x86.FS]), seg(s.Seg[x86.GS]), seg(s.TR), seg(s.LDTR)
	sv.GDTR = svm.Segment{Base: s.GDTR.Base, Limit: s.GDTR.Limit}
	sv.IDTR = svm.Segment{Base: s.IDTR.Base, Limit: s.IDTR.Limit}
	sv.CR2, sv.CR4 = s.CR2, s.CR4
	sv.DR6, sv.DR7 = s.DR[6], s.DR[7]
	sv.RFLAGS, sv.RIP, sv.RSP, sv.RAX = s.RFLAGS, s.RIP, s.GPR[x86.RSP], s.GPR[x86.RAX]
	sv.CPL = s.CPL
	sv.STAR, sv.LSTAR, sv.CSTAR, sv.SFMASK = s.STAR, s.LSTAR, s.CSTAR, s.SFMASK
	sv.KernelGSBase = s.KernelGSBase
	sv.SysenterCS, sv.SysenterESP, sv.SysenterEIP = s.SysenterCS, s.SysenterESP, s.SysenterEIP
	sv.GPAT = s.PAT
}

func seg(s x86.Segment) svm.Segment {
	return svm.Segment{Selector: s.Sel, Attrib: s.Attr, Limit: s.Limit, Base: s.Base}
}

// setMSRIntercept sets the read and write bits of msr in L0's MSRPM.
func (v *VCPU) setMSRIntercept(msr uint32) {
	var off uint32
	switch {
	case msr <= 0x1fff:
		off = 0
	case msr >= 0xc0000000 && msr <= 0xc0001fff:
		off = 0x800 * 8
	case msr >= 0xc0010000 && msr <= 0xc0011fff:
		off = 0x1000 * 8
	default:
		return // outside the map: always intercepted
	}
	bit := off + (msr&0x1fff)*2
	pm := v.cpu.Private[msrpmOff:]
	pm[bit/8] |= 3 << (bit % 8)
}

// VMCB returns vmcb01 (for traces and tests).
func (v *VCPU) VMCB() *svm.VMCB { return &v.cur.vmcb }

// Exits reports how many world switches have happened.
func (v *VCPU) Exits() uint64 { return v.exits }

// MMU returns L0's shadow MMU.
func (v *VCPU) MMU() *mmu.Shadow { return v.cur.mmu }

// guestMode is L1's paging mode (from L1's virtualized registers).
func (v *VCPU) guestMode() paging.Mode {
	m := paging.Mode{PSE: v.cur.vmcb.Save.CR4&x86.CR4PSE != 0, WP: v.cur.cr0&x86.CR0WP != 0, NXE: v.cur.efer&x86.EFERNXE != 0}
	switch {
	case v.cur.cr0&x86.CR0PG == 0:
		m.Format = paging.Off
	case v.cur.efer&x86.EFERLMA != 0:
		m.Format = paging.Long4
	case v.cur.vmcb.Save.CR4&x86.CR4PAE != 0:
		m.Format = paging.PAE
	default:
		m.Format = paging.Legacy32
	}
	return m
}

// loadHardwareState writes the hardware values of the virtualized
// registers into vmcb01: paging and WP always on (shadow paging), CR3 the
// shadow root, EFER.LME hidden while L1's paging is off.
func (v *VCPU) loadHardwareState() {
	s := &v.cur.vmcb.Save
	gm := v.guestMode()
	f := mmu.HardwareFormat(gm, s.CR4&x86.CR4PAE != 0)
	s.CR0 = v.cur.cr0 | x86.CR0PG | x86.CR0WP
	s.CR3 = v.cur.mmu.Root(f)
	s.EFER = v.cur.efer | x86.EFERSVME
	if v.cur.cr0&x86.CR0PG == 0 {
		s.EFER &^= x86.EFERLME | x86.EFERLMA
	}
}

// Run runs L1 until the VM must stop or Insns reaches limit.
// KVM: vcpu_run / vcpu_enter_guest.
func (v *VCPU) Run(limit uint64) Stop {
	defer v.flushTrace()
	c := v.cpu
	for {
		if v.host.Stopped() {
			return Stop{Reason: StopHost}
		}
		if c.Insns >= limit {
			return Stop{Reason: StopBudget}
		}
		v.host.Tick()
		if st, ok := v.injectEvents(); !ok {
			return st
		}
		v.flushTrace()
		v.loadHardwareState()
		budget := limit
		if d, ok := v.host.NextDeadline(); ok {
			if now := c.HostTSC(); d > now {
				if b := c.Insns + (d-now+c.TSCPerInsn-1)/c.TSCPerInsn; b < budget {
					budget = b
				}
			} else if c.Insns+1 < budget {
				budget = c.Insns + 1
			}
		}
		if v.immediateExit {
			budget = min(budget, c.Insns+1)
			v.immediateExit = false
		}
		traps := v.armFaultTraps()
		c.VMLoad(&v.cur.vmcb.Save)
		start := c.Insns
		retiredBefore := c.Insns - c.Deliveries
		ex := c.VMRun(&v.cur.vmcb, budget)
		c.VMSave(&v.cur.vmcb.Save)
		v.nested.runPending = false
		v.exits++
		if c.Insns == start {
			c.Insns++ // an exit with no progress takes a tick: an exit storm still ends the budget
		}
		switch ex.Reason {
		case x86.ExitVMExit, x86.ExitBudget, x86.ExitStop:
		case x86.ExitShutdown:
			return Stop{Reason: StopShutdown, Detail: ex.Detail}
		default:
			return Stop{Reason: StopUnsupported, Detail: ex.Detail}
		}
		// If the guest retired an instruction, whatever L0 injected was
		// delivered: an exception reported now is not its failure.
		v.retired = c.Insns-c.Deliveries != retiredBefore
		v.disarmFaultTraps(traps)
		v.completeInterrupts()
		rec := v.newRecord()
		rec.Start = start
		if v.trapped {
			// A fault raised while delivering the soft event injected with
			// an advanced RIP: RIP is unwound (completeInterrupts); the
			// fault replaces the event and is delivered at the instruction.
			v.trapped = false
			vm := &v.cur.vmcb
			v.ev.irq.injected = false
			if v.ev.exc.injected && softException(v.ev.exc.vector) {
				v.ev.exc.injected = false
			}
			if !v.queueException(vm.ExitCode.Vector(), true, uint32(vm.ExitInfo1)) { // #TS, #NP, #SS, #GP push an error code
				return Stop{Reason: StopShutdown, Detail: "triple fault"}
			}
			rec.Action, rec.Note = ActionInjected, "fault raised while delivering the soft event"
			v.trace(rec)
			continue
		}
		if v.nested.active {
			rec.Level = 2
			if v.exitToL1() {
				vm := &v.l2.vmcb
				rec.Action = ActionReflected
				v.nestedVMExit(vm.ExitCode, vm.ExitInfo1, vm.ExitInfo2)
				v.trace(rec)
				continue
			}
		}
		if v.cur.vmcb.ExitCode != svm.ExitExcpPF {
			v.lastPF.count = 0 // the fill guard counts consecutive faults only
		}
		st, stop := v.handleExit(&rec)
		if v.afterExit != nil {
			v.afterExit(rec)
		}
		v.trace(rec)
		if stop {
			return st
		}
		v.applyZapPolicy(rec.Action == ActionShadowFill)
	}
}
