package vmm

import (
	"context"
	"fmt"
	"io"
	"math/bits"
	"time"

	"github.com/govmm/govmm/devices"
	"github.com/govmm/govmm/nsvm"
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// Config describes a VM.
type Config struct {
	MemSize  uint64        // guest RAM in bytes
	MaxInsns uint64        // stop after this many instructions (0 = no limit)
	Timeout  time.Duration // stop after this much wall-clock time (0 = none)
	Console  io.Writer     // COM1 output; nil discards it
	// SVMFeatures is the SVM feature set the CPU exposes (CPUID
	// 8000_0001h ECX.SVM and 8000_000Ah); 0 hides SVM.
	SVMFeatures svm.Features
	// SoftInt and Zap configure L0 (see package nsvm).
	SoftInt nsvm.SoftIntMode
	Zap     nsvm.ZapPolicy
	// Trace receives one record per world switch (nil: no tracing).
	Trace func(nsvm.Record)
	// NoL0 runs the guest directly on the CPU, without L0, shadow paging
	// or SVM interception (for benchmarks and CPU tests).
	NoL0 bool
}

// Outcome says how a run ended.
type Outcome int

// Outcomes of a run.
const (
	OutcomeDebugExit   Outcome = iota // the guest wrote to isa-debug-exit
	OutcomeTripleFault                // the CPU shut down (triple fault)
	OutcomeHalted                     // HLT with nothing left to wake the CPU
	OutcomeLimit                      // --max-insns or --timeout reached
	OutcomeUnsupported                // the guest used a feature govmm does not model
)

var outcomeNames = [...]string{"debug-exit", "triple-fault", "halted", "limit", "unsupported"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is the end of a run.
type Result struct {
	Outcome Outcome
	// Status is the process exit status govmm uses: (value<<1)|1 for
	// isa-debug-exit, 0 for a triple fault (as QEMU with -no-reboot), and the
	// even codes ExitHalted, ExitLimit and ExitUnsupported otherwise.
	Status int
	Detail string // one line for humans
	Insns  uint64 // instructions retired
	Exits  uint64 // world switches (L0 runs; 0 with NoL0)
}

// Process exit statuses for runs that did not end through isa-debug-exit.
// isa-debug-exit statuses are always odd, so these never collide with one.
const (
	ExitTripleFault = 0 // as QEMU with -no-reboot
	ExitError       = 2 // govmm could not start the VM (bad image, bad flags)
	ExitHalted      = 4 // the guest halted with nothing left to wake it
	ExitLimit       = 8 // --max-insns or --timeout reached
	ExitUnsupported = 6 // the guest used a feature govmm does not model
)

// I/O ports of the platform devices.
const (
	com1Base      = 0x3f8
	debugExitPort = 0xf4
)

// VM is one virtual machine with one CPU.
type VM struct {
	cfg  Config
	RAM  []byte
	CPU  *x86.CPU
	pio  devices.Bus
	mmio devices.Bus

	exitStatus int
	exited     bool

	l0 *nsvm.VCPU // L0, created at the first Run

	nmi    bool // an NMI IPI is waiting for L0
	lapic  *devices.LAPIC
	pic    *devices.PIC8259
	timers devices.Timers
}

// New creates a VM with cfg.MemSize bytes of RAM and the platform devices.
func New(cfg Config) (*VM, error) {
	if cfg.MemSize < MinMem {
		return nil, fmt.Errorf("memory size %d KiB is too small: govmm needs at least %d MiB", cfg.MemSize>>10, MinMem>>20)
	}
	if cfg.MemSize > MaxMem {
		return nil, fmt.Errorf("memory size %d MiB is too large: at most %d MiB is supported", cfg.MemSize>>20, MaxMem>>20)
	}
	if cfg.MemSize%4096 != 0 {
		return nil, fmt.Errorf("memory size %d is not a multiple of 4 KiB", cfg.MemSize)
	}
	vm := &VM{cfg: cfg, RAM: make([]byte, cfg.MemSize)}
	vm.CPU = x86.New(vm.RAM, vm)
	vm.CPU.SetSVMFeatures(cfg.SVMFeatures)
	vm.CPU.Private = make([]byte, privateSize)
	vm.CPU.PrivateBase = privateBase
	if err := vm.addDevices(); err != nil {
		return nil, fmt.Errorf("vmm: devices: %w", err)
	}
	return vm, nil
}

// addDevices puts the platform on the buses, in the state QEMU with SeaBIOS
// leaves them: COM1, isa-debug-exit, the PIC pair, the PIT (port 0x61
// too), fw_cfg, and the local APIC. Device time is the host TSC, which only
// advances with retired instructions and L0's halt fast-forward.
func (vm *VM) addDevices() error {
	clk := devices.ClockFunc(func() uint64 { return vm.CPU.HostTSC() })
	kick := func(level bool) {
		if level {
			vm.CPU.RequestStop() // let L0 look at the new interrupt
		}
	}
	vm.pic = devices.NewPIC8259()
	vm.pic.SetIMR(devices.SeaBIOSMasterIMR, devices.SeaBIOSSlaveIMR)
	vm.pic.INTR = kick
	vm.lapic = devices.NewLAPIC(clk)
	vm.lapic.SeaBIOSState()
	vm.lapic.INTR = kick
	vm.lapic.NMI = func() {
		vm.nmi = true
		vm.CPU.RequestStop()
	}
	pit := devices.NewPIT8254(clk, 0)
	pit.SeaBIOSState()
	pit.IRQ = func(l bool) { vm.pic.SetIRQ(0, l) }
	vm.timers = devices.Timers{pit, vm.lapic}
	uart := &devices.UART16550{Out: vm.cfg.Console, IRQ: func(l bool) { vm.pic.SetIRQ(4, l) }}
	exit := &devices.DebugExit{OnExit: vm.debugExit}
	for _, d := range []struct {
		dev     devices.Device
		base, n uint64
	}{
		{uart, com1Base, 8},
		{exit, debugExitPort, 4},
		{vm.pic.Master(), devices.PICMasterBase, devices.PICSize},
		{vm.pic.Slave(), devices.PICSlaveBase, devices.PICSize},
		{pit, devices.PITBase, devices.PITSize},
		{pit.PortB(), devices.PortBBase, devices.PortBSize},
		{devices.NewFwCfg(vm.cfg.MemSize, 1), devices.FwCfgBase, devices.FwCfgSize},
	} {
		if err := vm.pio.Insert(d.dev, d.base, d.n); err != nil {
			return err
		}
	}
	return vm.mmio.Insert(vm.lapic, devices.LAPICBase, devices.LAPICSize)
}

func (vm *VM) debugExit(status int) {
	vm.exitStatus = status
	vm.exited = true
	vm.CPU.RequestStop()
}

// In implements x86.Platform: unclaimed ports read as all-ones.
func (vm *VM) In(port uint16, size int) uint32 {
	var b [4]byte
	if !vm.pio.Read(uint64(port), b[:size]) {
		return uint32(1)<<(8*size) - 1
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// Out implements x86.Platform: writes to unclaimed ports are ignored.
func (vm *VM) Out(port uint16, size int, v uint32) {
	b := [4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	vm.pio.Write(uint64(port), b[:size])
}

// ReadMMIO implements x86.Platform: unassigned physical memory reads as 0.
func (vm *VM) ReadMMIO(addr uint64, data []byte) {
	if !vm.mmio.Read(addr, data) {
		clear(data)
	}
}

// AckInterrupt implements x86.Platform and nsvm.Host: the local APIC first,
// then the PIC when the APIC passes it through (LINT0 in ExtINT mode).
func (vm *VM) AckInterrupt() (uint8, bool) {
	if vm.lapic.Pending() {
		return vm.lapic.Ack()
	}
	if vm.lapic.PassesPIC() && vm.pic.Pending() {
		return vm.pic.Ack()
	}
	return 0, false
}

// WriteMMIO implements x86.Platform: writes to unassigned memory are dropped.
func (vm *VM) WriteMMIO(addr uint64, data []byte) { vm.mmio.Write(addr, data) }

// Boot loads a Multiboot kernel and sets the CPU to the entry state QEMU's
// loader leaves: 32-bit flat protected mode, paging off, IF=0.
func (vm *VM) Boot(img []byte, name, appendText string, mods []Module) (BootInfo, error) {
	bi, err := LoadMultiboot(vm.RAM, img, name, appendText, mods)
	if err != nil {
		return bi, err
	}
	s := EntryState(bi)
	vm.CPU.SetState(&s)
	vm.CPU.Invalidate()
	return bi, nil
}

// EntryState is the CPU state at a Multiboot kernel's entry point, as
// QEMU's option ROM leaves it: 32-bit flat protected mode with QEMU's GDT,
// paging off, IF=0, the real-mode IVT as IDT, and the registers QEMU's
// loader leaves behind. Every backend starts kernels in it.
func EntryState(bi BootInfo) x86.State {
	code := x86.Segment{Sel: codeSelector, Limit: 0xffffffff, Attr: 0xc9b}
	data := x86.Segment{Sel: dataSelector, Limit: 0xffffffff, Attr: 0xc93}
	var s x86.State
	s.Seg = [6]x86.Segment{data, code, data, data, data, data}
	s.LDTR = x86.Segment{Attr: 0x82}
	s.TR = x86.Segment{Attr: 0x8b, Limit: 0xffff}
	s.GDTR = x86.DescTable{Base: gdtAddr, Limit: gdtLimit}
	s.IDTR = x86.DescTable{Base: 0, Limit: ivtLimit}
	s.CR0 = x86.CR0PE | x86.CR0ET
	s.RIP = uint64(bi.Entry)
	s.RFLAGS = 0x6 // as QEMU's option ROM leaves it: PF set, IF clear
	s.DR[6] = 0xffff0ff0
	s.DR[7] = 0x400
	// Leftovers of QEMU's option ROM, reproduced so register dumps agree.
	s.GPR[x86.RAX] = multibootMagic
	s.GPR[x86.RBX] = uint64(bi.MBI)
	s.GPR[x86.RCX] = uint64(bi.Entry)
	s.GPR[x86.RDX] = uint64(bi.MemUpper&0xffff0000 | 0x511)
	s.GPR[x86.RDI] = uint64(bits.ReverseBytes32(bi.LoadLow))
	s.GPR[x86.RSP] = initialESP
	s.PAT = 0x0007040600070406 // the reset value
	return s
}

// InterruptPending implements nsvm.Host.
func (vm *VM) InterruptPending() bool {
	return vm.lapic.Pending() || vm.lapic.PassesPIC() && vm.pic.Pending()
}

// NextDeadline implements nsvm.Host: the next timer event in host TSC ticks.
func (vm *VM) NextDeadline() (uint64, bool) { return vm.timers.NextDeadline() }

// Tick implements nsvm.Host: bring the timers up to the current time.
func (vm *VM) Tick() { vm.timers.Tick(vm.CPU.HostTSC()) }

// TakeNMI implements nsvm.Host.
func (vm *VM) TakeNMI() bool {
	n := vm.nmi
	vm.nmi = false
	return n
}

// Stopped implements nsvm.Host: the guest wrote to isa-debug-exit.
func (vm *VM) Stopped() bool { return vm.exited }

// result builds the Result of outcome o, with the exit status scripts see.
func (vm *VM) result(o Outcome, detail string) Result {
	status := map[Outcome]int{OutcomeTripleFault: ExitTripleFault, OutcomeHalted: ExitHalted,
		OutcomeLimit: ExitLimit, OutcomeUnsupported: ExitUnsupported}[o]
	if o == OutcomeDebugExit {
		status = vm.exitStatus
		detail = fmt.Sprintf("isa-debug-exit: status %d", vm.exitStatus)
	}
	return Result{Outcome: o, Status: status, Detail: detail, Insns: vm.CPU.Insns}
}

// limitReached reports the Result when --max-insns, the timeout or ctx ends
// the run.
func (vm *VM) limitReached(ctx context.Context, deadline time.Time) (Result, bool) {
	c := vm.CPU
	if vm.cfg.MaxInsns != 0 && c.Insns >= vm.cfg.MaxInsns {
		return vm.result(OutcomeLimit, fmt.Sprintf("instruction limit of %d reached at rip %#x", vm.cfg.MaxInsns, c.RIP)), true
	}
	if (!deadline.IsZero() && time.Now().After(deadline)) || ctx.Err() != nil {
		return vm.result(OutcomeLimit, fmt.Sprintf("timeout after %d instructions at rip %#x", c.Insns, c.RIP)), true
	}
	return Result{}, false
}

// Run runs the VM until the guest exits, shuts down, halts for good or hits
// a limit. ctx cancellation stops it like a timeout.
func (vm *VM) Run(ctx context.Context) Result {
	if vm.cfg.NoL0 {
		return vm.runDirect(ctx)
	}
	r := vm.runL0(ctx)
	if vm.l0 != nil {
		r.Exits = vm.l0.Exits()
	}
	return r
}

// runL0 runs L1 under L0 (nsvm): the normal path.
func (vm *VM) runL0(ctx context.Context) Result {
	const chunk = 1 << 22
	var deadline time.Time
	if vm.cfg.Timeout > 0 {
		deadline = time.Now().Add(vm.cfg.Timeout)
	}
	c := vm.CPU
	if vm.l0 == nil {
		l0, err := nsvm.New(c, vm, nsvm.Config{SoftInt: vm.cfg.SoftInt, Zap: vm.cfg.Zap, Trace: vm.cfg.Trace})
		if err != nil {
			return vm.result(OutcomeUnsupported, err.Error())
		}
		vm.l0 = l0
	}
	for {
		limit := c.Insns + chunk
		if vm.cfg.MaxInsns != 0 && limit > vm.cfg.MaxInsns {
			limit = vm.cfg.MaxInsns
		}
		st := vm.l0.Run(limit)
		switch st.Reason {
		case nsvm.StopHost:
			return vm.result(OutcomeDebugExit, "")
		case nsvm.StopShutdown:
			return vm.result(OutcomeTripleFault, "triple fault: "+st.Detail)
		case nsvm.StopHalted:
			return vm.result(OutcomeHalted, st.Detail)
		case nsvm.StopUnsupported:
			return vm.result(OutcomeUnsupported, "unsupported: "+st.Detail)
		}
		if r, done := vm.limitReached(ctx, deadline); done {
			return r
		}
	}
}

// runDirect runs the guest on the CPU without L0: the CPU takes device
// interrupts itself through its INTR line.
func (vm *VM) runDirect(ctx context.Context) Result {
	const chunk = 1 << 22 // instructions between wall-clock and context checks
	var deadline time.Time
	if vm.cfg.Timeout > 0 {
		deadline = time.Now().Add(vm.cfg.Timeout)
	}
	c := vm.CPU
	for {
		vm.Tick()
		c.SetINTR(vm.InterruptPending())
		if vm.TakeNMI() {
			c.RaiseNMI()
		}
		limit := c.Insns + chunk
		if vm.cfg.MaxInsns != 0 && limit > vm.cfg.MaxInsns {
			limit = vm.cfg.MaxInsns
		}
		if d, ok := vm.NextDeadline(); ok {
			if now := c.HostTSC(); d <= now {
				limit = min(limit, c.Insns+1)
			} else {
				limit = min(limit, c.Insns+(d-now+c.TSCPerInsn-1)/c.TSCPerInsn)
			}
		}
		ex := c.Run(limit)
		if vm.exited {
			// The exit device was written, possibly by the last
			// instruction the budget allowed.
			return vm.result(OutcomeDebugExit, "")
		}
		switch ex.Reason {
		case x86.ExitShutdown:
			return vm.result(OutcomeTripleFault, "triple fault: "+ex.Detail)
		case x86.ExitHalt:
			// Wait for the next timer event, if one can wake the CPU.
			d, ok := vm.NextDeadline()
			if !ok || c.Flags()&x86.FlagIF == 0 {
				return vm.result(OutcomeHalted, fmt.Sprintf("guest halted at rip %#x with nothing to wake it", c.RIP))
			}
			if now := c.HostTSC(); d > now {
				c.AdvanceClock(d - now)
			}
		case x86.ExitUnsupported:
			return vm.result(OutcomeUnsupported, "unsupported: "+ex.Detail)
		}
		if r, done := vm.limitReached(ctx, deadline); done {
			return r
		}
	}
}
