package x86

import (
	"sync/atomic"

	"github.com/govmm/govmm/x86/svm"
)

// General-purpose register numbers, in ModRM encoding order.
const (
	RAX = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

// Segment register numbers, in ModRM/SReg encoding order.
const (
	ES = iota
	CS
	SS
	DS
	FS
	GS
	segNone = 7 // no segment override
)

// RFLAGS bits.
const (
	FlagCF   = 1 << 0
	flagRes1 = 1 << 1 // always 1
	FlagPF   = 1 << 2
	FlagAF   = 1 << 4
	FlagZF   = 1 << 6
	FlagSF   = 1 << 7
	FlagTF   = 1 << 8
	FlagIF   = 1 << 9
	FlagDF   = 1 << 10
	FlagOF   = 1 << 11
	FlagIOPL = 3 << 12
	FlagNT   = 1 << 14
	FlagRF   = 1 << 16
	FlagVM   = 1 << 17
	FlagAC   = 1 << 18
	FlagVIF  = 1 << 19
	FlagVIP  = 1 << 20
	FlagID   = 1 << 21

	// arithFlags are the status flags the lazy-flags machinery computes.
	arithFlags = FlagCF | FlagPF | FlagAF | FlagZF | FlagSF | FlagOF
)

// CR0 bits.
const (
	CR0PE = 1 << 0
	CR0MP = 1 << 1
	CR0EM = 1 << 2
	CR0TS = 1 << 3
	CR0ET = 1 << 4
	CR0NE = 1 << 5
	CR0WP = 1 << 16
	CR0AM = 1 << 18
	CR0NW = 1 << 29
	CR0CD = 1 << 30
	CR0PG = 1 << 31
)

// CR4 bits.
const (
	CR4VME        = 1 << 0
	CR4PVI        = 1 << 1
	CR4TSD        = 1 << 2
	CR4DE         = 1 << 3
	CR4PSE        = 1 << 4
	CR4PAE        = 1 << 5
	CR4MCE        = 1 << 6
	CR4PGE        = 1 << 7
	CR4PCE        = 1 << 8
	CR4OSFXSR     = 1 << 9
	CR4OSXMMEXCPT = 1 << 10
	CR4FSGSBASE   = 1 << 16
	CR4OSXSAVE    = 1 << 18
)

// EFER bits.
const (
	EFERSCE   = 1 << 0
	EFERLME   = 1 << 8
	EFERLMA   = 1 << 10
	EFERNXE   = 1 << 11
	EFERSVME  = 1 << 12
	EFERFFXSR = 1 << 14
)

// Segment is a segment register with its hidden descriptor cache, in the
// VMCB's layout: Attr holds descriptor bits 40-47 in bits 0-7 and bits 52-55
// (AVL, L, D/B, G) in bits 8-11; Limit is byte-granular (G already applied).
type Segment struct {
	Sel   uint16
	Attr  uint16
	Limit uint32
	Base  uint64
}

// Segment attribute bits (VMCB attrib format).
const (
	SegAttrType = 0x00f
	SegAttrS    = 0x010 // code/data (1) vs system (0)
	SegAttrDPL  = 0x060
	SegAttrP    = 0x080
	SegAttrAVL  = 0x100
	SegAttrL    = 0x200
	SegAttrDB   = 0x400
	SegAttrG    = 0x800
)

// DescTable is GDTR or IDTR.
type DescTable struct {
	Base  uint64
	Limit uint32
}

// Mode is the decoding mode: the default operand and address size of code.
type Mode uint8

// Decoding modes.
const (
	Mode16 Mode = iota // real, v8086, or 16-bit protected/compat code
	Mode32             // 32-bit protected or compat code
	Mode64             // 64-bit long mode
)

// State is the architectural register state of a CPU, exported so that the
// VM (and later SVM's VMRUN) can set it up and read it back.
type State struct {
	GPR    [16]uint64
	RIP    uint64
	RFLAGS uint64 // not authoritative while the CPU runs (flags are lazy); use CPU.Flags

	Seg  [6]Segment // ES CS SS DS FS GS
	LDTR Segment
	TR   Segment
	GDTR DescTable
	IDTR DescTable

	CR0, CR2, CR3, CR4, CR8 uint64
	EFER                    uint64
	DR                      [8]uint64 // DR4/DR5 are aliases and unused

	CPL uint8

	// System-call and miscellaneous MSRs that belong to the VMCB save area.
	STAR, LSTAR, CSTAR, SFMASK uint64
	KernelGSBase               uint64
	SysenterCS                 uint64
	SysenterESP, SysenterEIP   uint64
	PAT                        uint64
	DebugCtl                   uint64
}

// Platform is what the CPU needs from the machine around it. Calls happen only
// on I/O and MMIO instructions, never on the per-instruction hot path.
type Platform interface {
	// In reads size (1, 2 or 4) bytes from an I/O port.
	In(port uint16, size int) uint32
	// Out writes size bytes to an I/O port.
	Out(port uint16, size int, v uint32)
	// ReadMMIO reads len(data) bytes at a physical address outside RAM.
	ReadMMIO(addr uint64, data []byte)
	// WriteMMIO writes data at a physical address outside RAM.
	WriteMMIO(addr uint64, data []byte)
	// AckInterrupt acknowledges the external interrupt the CPU is taking
	// and returns its vector; ok is false for a spurious one (none left).
	AckInterrupt() (vector uint8, ok bool)
}

// CPU is one software AMD64 processor.
//
// All fields are owned by the goroutine that calls Run; nothing here is safe
// for concurrent use except RequestStop.
type CPU struct {
	State

	// RAM is guest-physical memory starting at physical address 0; accesses
	// beyond it go to the Platform as MMIO.
	RAM      []byte
	Platform Platform

	// Private is L0-private physical memory at PrivateBase (shadow page
	// tables). Only page walks and L0 reach it: L0 never maps it for a guest.
	Private     []byte
	PrivateBase uint64

	// Deliveries counts event deliveries (attempts included): Insns minus
	// Deliveries is the number of instructions retired.
	Deliveries uint64

	// Insns counts retired instructions and delivered events (an
	// exception or interrupt delivery takes one tick); it is the CPU's
	// clock and its budget.
	Insns uint64

	// CPUID is the processor model CPUID reports.
	CPUID CPUIDModel
	// TSCPerInsn is how many TSC ticks one retired instruction takes.
	TSCPerInsn uint64

	// x87 control state (the register stack is not modelled).
	fcw, fsw, ftw uint16

	// MSRs outside the VMCB save area.
	tscOffset uint64    // TSC = Insns*TSCPerInsn + tscOffset
	apicBase  uint64    // APIC_BASE MSR
	tscAux    uint64    // TSC_AUX (RDTSCP's ECX)
	perfCtl   [4]uint64 // PerfEvtSel0-3 (0xC0010000-3): stored, no counting
	perfCtr   [4]uint64 // PerfCtr0-3 (0xC0010004-7)
	hwcr      uint64    // HWCR (0xC0010015)
	VMHsavePA uint64    // VM_HSAVE_PA (0xC0010117)
	VMCR      uint64    // VM_CR (0xC0010114)

	mode Mode // decoding mode, derived from CS and EFER.LMA

	// Lazy flags: when lazyOp != lazyNone the arithmetic bits of RFLAGS are
	// derived from lazyA, lazyB, lazyRes and lazySize; otherwise State.RFLAGS
	// holds them.
	lazyOp   uint8
	lazySize uint8 // operand size in bytes
	lazyCin  bool  // carry-in (ADC/SBB) or preserved CF (INC/DEC)
	lazyA    uint64
	lazyB    uint64
	lazyRes  uint64

	next uint64 // RIP of the next instruction, set by the loop, changed by branches

	fault  faultInfo // the exception being raised (valid while a faultPanic unwinds)
	detail string    // one-line explanation for ExitShutdown / ExitUnsupported

	implicitSV bool  // current accesses are implicit supervisor accesses (descriptor tables, TSS)
	deliverCPL uint8 // privilege of the stack being built during event delivery

	// attn is non-zero when the hot loop must take the slow step (attn*).
	attn atomic.Uint32

	bpExec uint8  // DR7-enabled instruction breakpoints (bit i = DRi)
	bpData uint8  // DR7-enabled data breakpoints
	dbHits uint64 // data breakpoints hit by the current instruction (DR6 B-bits)
	midRep bool   // a REP string instruction stopped between iterations (interrupts push RF=1)
	tfHeld bool   // a single-step trap held back by MOV SS / POP SS

	// SVM: the features the silicon exposes, the running VMCB (guest mode),
	// its intercept vector (all zero outside guest mode) and GIF.
	svmFeatures  svm.Features
	guest        guestCtl
	icpt         [6]uint32
	gif          bool
	exit         svmExit // the pending #VMEXIT
	exitPending  bool    // a #VMEXIT ended the batch
	deliveryExit bool    // a #VMEXIT (NPF) happened while delivering an event
	// deliveryUnsupported: delivering an event needed an unmodelled feature.
	deliveryUnsupported bool
	guestTSCOffset      uint64 // the VMCB's TSC_OFFSET while in guest mode
	vintr               bool   // V_IRQ: a virtual interrupt is pending
	npEnabled           bool   // the running VMCB has NP_ENABLE (and NP is exposed)

	// acActive is CR0.AM && RFLAGS.AC && CPL 3: alignment checking is on,
	// so data accesses bypass the soft TLB and are checked.
	acActive bool

	// shadowEnd: interrupts are blocked while Insns < shadowEnd (the
	// one-instruction shadow of STI and MOV/POP SS; int_state at VMRUN).
	shadowEnd  uint64
	nmiBlocked bool // an NMI handler runs; cleared by IRET

	tlb   tlb
	icode icache

	scratch     Inst // decode target for instructions that cannot be cached
	decodeLimit bool // decode only from the given bytes (DecodeLen)
}

// New returns a CPU over ram in the state the AMD64 architecture defines after
// RESET (real mode, CS:IP = F000:FFF0).
func New(ram []byte, p Platform) *CPU {
	c := &CPU{RAM: ram, Platform: p, CPUID: DefaultCPUID(), TSCPerInsn: 1}
	c.gif = true
	c.Reset()
	return c
}

// Reset puts the CPU in the architectural RESET state.
func (c *CPU) Reset() {
	c.State = State{}
	for i := range c.Seg {
		c.Seg[i] = Segment{Limit: 0xffff, Attr: SegAttrP | SegAttrS | 0x3}
	}
	c.Seg[CS] = Segment{Sel: 0xf000, Base: 0xffff0000, Limit: 0xffff, Attr: SegAttrP | SegAttrS | 0xb}
	c.RIP = 0xfff0
	c.RFLAGS = flagRes1
	c.CR0 = CR0ET | CR0CD | CR0NW
	c.GDTR.Limit = 0xffff
	c.IDTR.Limit = 0xffff
	c.LDTR = Segment{Limit: 0xffff, Attr: SegAttrP | 0x2}
	c.TR = Segment{Limit: 0xffff, Attr: SegAttrP | 0x3}
	c.DR[6] = 0xffff0ff0
	c.DR[7] = 0x400
	c.PAT = 0x0007040600070406
	c.fcw, c.ftw = 0x40, 0x5555 // x87 state after RESET (before FNINIT)
	c.apicBase = 0xfee00900     // BSP, xAPIC enabled
	c.lazyOp = lazyNone
	c.Refresh()
}

// SetState replaces the architectural state (e.g. from a loader or a VMCB).
func (c *CPU) SetState(s *State) {
	c.State = *s
	c.RFLAGS |= flagRes1
	c.lazyOp = lazyNone
	c.Refresh()
	c.debugChanged()
}

// GetState returns the architectural state with RFLAGS materialized.
func (c *CPU) GetState() State {
	s := c.State
	s.RFLAGS = c.Flags()
	return s
}

// Refresh recomputes state derived from control registers and CS (decoding
// mode, TLB contents). Call it after changing State directly.
func (c *CPU) Refresh() {
	c.updateAC()
	c.updateMode()
	c.tlb.flushAll()
	c.icode.resetFetch()
}

// updateAC recomputes whether alignment checking is active.
func (c *CPU) updateAC() {
	ac := c.CR0&CR0AM != 0 && c.RFLAGS&FlagAC != 0 && c.CPL == 3
	if ac != c.acActive {
		c.acActive = ac
		c.tlb.flushAll()
	}
}

func (c *CPU) updateMode() {
	switch {
	case c.EFER&EFERLMA != 0 && c.Seg[CS].Attr&SegAttrL != 0:
		c.mode = Mode64
	case c.CR0&CR0PE != 0 && c.RFLAGS&FlagVM == 0 && c.Seg[CS].Attr&SegAttrDB != 0:
		c.mode = Mode32
	default:
		c.mode = Mode16
	}
}

// Mode reports the current decoding mode.
func (c *CPU) Mode() Mode { return c.mode }

// RequestStop makes Run return ExitStop at the next instruction boundary.
// Devices call it (through the VM) from inside an I/O access.
func (c *CPU) RequestStop() { c.attn.Or(attnStop) }

// SetINTR sets the level of the external interrupt line (from the PIC or the
// local APIC). The vector is taken from Platform.AckInterrupt when the CPU
// recognises the interrupt.
func (c *CPU) SetINTR(level bool) {
	if level {
		c.attn.Or(attnIntr)
	} else {
		c.attn.And(^uint32(attnIntr))
	}
}

// RaiseNMI makes an NMI pending; it is taken at the next instruction boundary
// where NMIs are not blocked.
func (c *CPU) RaiseNMI() { c.attn.Or(attnNMI) }

// Halted reports whether the CPU is in the HLT state.
func (c *CPU) Halted() bool { return c.attn.Load()&attnHalt != 0 }

// setHalted enters or leaves the HLT state.
func (c *CPU) setHalted(h bool) {
	if h {
		c.attn.Or(attnHalt)
	} else {
		c.attn.And(^uint32(attnHalt))
	}
}
