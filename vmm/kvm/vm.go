package kvm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/devices"
	"github.com/govmm/govmm/vmm"
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
	"golang.org/x/sys/unix"
)

// Config describes a VM on the kvm backend. The emu backend's options that
// concern govmm's own L0 and CPU (instruction limit, soft-interrupt mode,
// shadow-MMU zapping, world-switch tracing, --no-l0) have no meaning here:
// host KVM is L0 and the guest runs on the host CPU.
type Config struct {
	MemSize uint64        // guest RAM in bytes (vmm.MinMem to vmm.MaxMem, 4 KiB multiple)
	Timeout time.Duration // stop after this much wall-clock time (0 = none)
	Console io.Writer     // COM1 output; nil discards it
	// SVMFeatures is the SVM the guest should see (CPUID 8000_0001h
	// ECX.SVM and 8000_000Ah EDX); 0 hides SVM. Only the features that
	// host KVM supports are exposed: see VM.SVMFeatures.
	SVMFeatures svm.Features
	// Host is the host to use; the zero value means DefaultHost.
	Host Host
}

// Guest-physical addresses KVM needs outside RAM (QEMU's choices): the
// three pages of the real-mode TSS that KVM on Intel uses without
// unrestricted guest (a no-op on AMD).
const tssAddr = 0xfeffd000

// I/O ports of the platform devices that live in user space. The PIC pair,
// the PIT and port 0x61 are KVM's in-kernel devices.
const (
	com1Base      = 0x3f8
	com1IRQ       = 4
	debugExitPort = 0xf4
)

// Requests from other goroutines to the vCPU thread (VM.req bits).
const (
	reqPoll    = 1 << iota // look whether the vCPU is halted for good
	reqTimeout             // Config.Timeout expired
	reqCancel              // the context was cancelled
)

// haltPollInterval is how often a running VM is interrupted to check for
// a vCPU halted with nothing to wake it (KVM does not exit on HLT when the
// local APIC is in the kernel).
const haltPollInterval = 20 * time.Millisecond

// kickInterval is how often a stop request is re-sent until the vCPU
// thread acknowledges it.
const kickInterval = 2 * time.Millisecond

// VM is one virtual machine with one vCPU on /dev/kvm.
//
// The guest's interrupt controllers and timers are KVM's in-kernel ones
// (KVM_CREATE_IRQCHIP: 8259 pair, IOAPIC, local APIC; KVM_CREATE_PIT2 with
// port 0x61), put in the state SeaBIOS leaves them, as vmm does with its
// own models. COM1, isa-debug-exit and fw_cfg are govmm's devices on a
// devices.Bus, reached through KVM_EXIT_IO; unclaimed ports read as
// all-ones, unassigned MMIO as zeros.
type VM struct {
	cfg Config

	// RAM is guest-physical memory from address 0 (mmap'd, shared with KVM).
	RAM []byte

	kvmFd, vmFd, vcpuFd int
	runMem              []byte
	run                 *gokvm.RunData

	plan            CPUIDPlan
	nestedStateSize int

	pio, mmio devices.Bus

	exited     bool
	exitStatus int
	irqErr     error // first KVM_IRQ_LINE_STATUS failure

	req atomic.Uint32 // req* bits
}

// New creates the VM: it opens the KVM device, creates the VM with the
// in-kernel interrupt controllers and PIT, maps cfg.MemSize bytes of RAM,
// creates vCPU 0 with the host's supported CPUID filtered for
// cfg.SVMFeatures (PlanCPUID), and puts the platform devices in place.
// When SVM is wanted it first checks, as Available does, that the host can
// run nested SVM guests, and fails with the reason otherwise.
func New(cfg Config) (*VM, error) {
	if cfg.Host.Device == "" {
		cfg.Host = DefaultHost
	}
	if err := checkMem(cfg.MemSize); err != nil {
		return nil, err
	}
	if cfg.SVMFeatures != 0 {
		if r := cfg.Host.Probe(); r.Err != nil {
			return nil, fmt.Errorf("kvm backend: %w", r.Err)
		}
	}
	vm := &VM{cfg: cfg, kvmFd: -1, vmFd: -1, vcpuFd: -1}
	if err := vm.addDevices(); err != nil {
		return nil, fmt.Errorf("kvm backend: devices: %w", err)
	}
	if err := vm.create(); err != nil {
		vm.Close()
		return nil, fmt.Errorf("kvm backend: %w", err)
	}
	return vm, nil
}

// checkMem applies vmm's RAM size rules.
func checkMem(size uint64) error {
	switch {
	case size < vmm.MinMem:
		return fmt.Errorf("memory size %d KiB is too small: govmm needs at least %d MiB", size>>10, vmm.MinMem>>20)
	case size > vmm.MaxMem:
		return fmt.Errorf("memory size %d MiB is too large: at most %d MiB is supported", size>>20, vmm.MaxMem>>20)
	case size%4096 != 0:
		return fmt.Errorf("memory size %d is not a multiple of 4 KiB", size)
	}
	return nil
}

// create makes the KVM objects.
func (vm *VM) create() error {
	var err error
	if vm.kvmFd, err = openDevice(vm.cfg.Host.Device); err != nil {
		return err
	}
	kfd := uintptr(vm.kvmFd)
	if v, err := gokvm.GetAPIVersion(kfd); err != nil || v != APIVersion {
		return fmt.Errorf("%w: %s: KVM_GET_API_VERSION = %d, %v", ErrNotKVM, vm.cfg.Host.Device, v, err)
	}
	for _, c := range []struct {
		name string
		cap  int
	}{{"irqchip", CapIRQChip}, {"pit2", CapPIT2}} {
		if n, err := CheckExtension(kfd, c.cap); err != nil || n == 0 {
			return fmt.Errorf("%w: %s (capability %d)", ErrMissingCap, c.name, c.cap)
		}
	}
	if n, err := CheckExtension(kfd, CapNestedState); err == nil {
		vm.nestedStateSize = n
	}
	fd, err := retryEINTR(func() (uintptr, error) { return gokvm.CreateVM(kfd) })
	if err != nil {
		return fmt.Errorf("KVM_CREATE_VM: %w", err)
	}
	vm.vmFd = int(fd)
	vfd := uintptr(vm.vmFd)
	if err := gokvm.SetTSSAddr(vfd, tssAddr); err != nil {
		return fmt.Errorf("KVM_SET_TSS_ADDR: %w", err)
	}
	if err := gokvm.CreateIRQChip(vfd); err != nil {
		return fmt.Errorf("KVM_CREATE_IRQCHIP: %w", err)
	}
	if err := CreatePIT2(vfd, PITSpeakerDummy); err != nil {
		return err
	}

	vm.RAM, err = unix.Mmap(-1, 0, int(vm.cfg.MemSize), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("mapping %d MiB of guest RAM: %w", vm.cfg.MemSize>>20, err)
	}
	region := gokvm.UserspaceMemoryRegion{
		Slot: 0, GuestPhysAddr: 0, MemorySize: vm.cfg.MemSize,
		UserspaceAddr: uint64(uintptr(unsafe.Pointer(&vm.RAM[0]))),
	}
	if err := gokvm.SetUserMemoryRegion(vfd, &region); err != nil {
		return fmt.Errorf("KVM_SET_USER_MEMORY_REGION: %w", err)
	}

	fd, err = gokvm.CreateVCPU(vfd, 0)
	if err != nil {
		return fmt.Errorf("KVM_CREATE_VCPU: %w", err)
	}
	vm.vcpuFd = int(fd)
	size, err := gokvm.GetVCPUMMmapSize(kfd)
	if err != nil {
		return fmt.Errorf("KVM_GET_VCPU_MMAP_SIZE: %w", err)
	}
	if vm.runMem, err = unix.Mmap(vm.vcpuFd, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return fmt.Errorf("mapping kvm_run: %w", err)
	}
	vm.run = (*gokvm.RunData)(unsafe.Pointer(&vm.runMem[0]))

	supported, err := supportedCPUID(kfd)
	if err != nil {
		return err
	}
	if vm.plan, err = PlanCPUID(supported, vm.cfg.SVMFeatures); err != nil {
		return err
	}
	if err := setCPUID(uintptr(vm.vcpuFd), vm.plan.Entries); err != nil {
		return err
	}
	return vm.seaBIOSState()
}

// retryEINTR retries an ioctl that the kernel may interrupt.
func retryEINTR(f func() (uintptr, error)) (uintptr, error) {
	for {
		r, err := f()
		if !errors.Is(err, unix.EINTR) {
			return r, err
		}
	}
}

// addDevices puts the user-space devices on the buses.
func (vm *VM) addDevices() error {
	uart := &devices.UART16550{Out: vm.cfg.Console, IRQ: vm.setIRQ(com1IRQ)}
	exit := &devices.DebugExit{OnExit: func(status int) { vm.exitStatus, vm.exited = status, true }}
	for _, d := range []struct {
		dev     devices.Device
		base, n uint64
	}{
		{uart, com1Base, 8},
		{exit, debugExitPort, 4},
		{devices.NewFwCfg(vm.cfg.MemSize, 1), devices.FwCfgBase, devices.FwCfgSize},
	} {
		if err := vm.pio.Insert(d.dev, d.base, d.n); err != nil {
			return err
		}
	}
	return nil
}

// setIRQ returns a device's interrupt line: an ISA IRQ of the in-kernel
// PIC/IOAPIC (KVM_IRQ_LINE_STATUS).
func (vm *VM) setIRQ(irq uint32) func(bool) {
	return func(level bool) {
		if vm.vmFd < 0 {
			return
		}
		var l uint32
		if level {
			l = 1
		}
		if err := gokvm.IRQLineStatus(uintptr(vm.vmFd), irq, l); err != nil && vm.irqErr == nil {
			vm.irqErr = fmt.Errorf("KVM_IRQ_LINE_STATUS(irq %d, level %d): %w", irq, l, err)
		}
	}
}

// SVMFeatures returns the SVM features the guest sees (CPUID 8000_000Ah
// EDX) and those that were asked for but dropped because host KVM does not
// support them.
func (vm *VM) SVMFeatures() (exposed, missing svm.Features) {
	return vm.plan.Features, vm.plan.Missing
}

// Close releases the VM's descriptors and memory.
func (vm *VM) Close() error {
	var errs []error
	if vm.runMem != nil {
		errs = append(errs, unix.Munmap(vm.runMem))
		vm.runMem, vm.run = nil, nil
	}
	for _, fd := range []*int{&vm.vcpuFd, &vm.vmFd, &vm.kvmFd} {
		if *fd >= 0 {
			errs = append(errs, unix.Close(*fd))
			*fd = -1
		}
	}
	if vm.RAM != nil {
		errs = append(errs, unix.Munmap(vm.RAM))
		vm.RAM = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kvm backend: close: %w", err)
	}
	return nil
}

// Boot loads a Multiboot kernel with vmm's loader (the same RAM layout as
// the emu backend) and sets the vCPU to the entry state vmm.VM.Boot gives
// the emu CPU.
func (vm *VM) Boot(img []byte, name, appendText string, mods []vmm.Module) (vmm.BootInfo, error) {
	bi, err := vmm.LoadMultiboot(vm.RAM, img, name, appendText, mods)
	if err != nil {
		return bi, err
	}
	s := vmm.EntryState(bi)
	if err := vm.setState(&s); err != nil {
		return bi, fmt.Errorf("kvm backend: setting the entry state: %w", err)
	}
	return bi, nil
}

// setState loads s into the vCPU (keeping its APIC_BASE).
func (vm *VM) setState(s *x86.State) error {
	fd := uintptr(vm.vcpuFd)
	cur, err := gokvm.GetSregs(fd)
	if err != nil {
		return fmt.Errorf("KVM_GET_SREGS: %w", err)
	}
	sr := Sregs(s, cur.ApicBase)
	if err := gokvm.SetSregs(fd, &sr); err != nil {
		return fmt.Errorf("KVM_SET_SREGS: %w", err)
	}
	r := Regs(s)
	if err := gokvm.SetRegs(fd, &r); err != nil {
		return fmt.Errorf("KVM_SET_REGS: %w", err)
	}
	dr := DebugRegs(s)
	if err := gokvm.SetDebugRegs(fd, &dr); err != nil {
		return fmt.Errorf("KVM_SET_DEBUGREGS: %w", err)
	}
	return nil
}

// GetState reads the vCPU's registers back as an x86.State (registers,
// segments, control and debug registers).
func (vm *VM) GetState() (x86.State, error) {
	fd := uintptr(vm.vcpuFd)
	r, err := gokvm.GetRegs(fd)
	if err != nil {
		return x86.State{}, fmt.Errorf("KVM_GET_REGS: %w", err)
	}
	sr, err := gokvm.GetSregs(fd)
	if err != nil {
		return x86.State{}, fmt.Errorf("KVM_GET_SREGS: %w", err)
	}
	var dr gokvm.DebugRegs
	if err := gokvm.GetDebugRegs(fd, &dr); err != nil {
		return x86.State{}, fmt.Errorf("KVM_GET_DEBUGREGS: %w", err)
	}
	return State(r, sr, &dr), nil
}

// Run runs the vCPU until the guest writes to isa-debug-exit, shuts down
// (triple fault), halts with interrupts disabled, fails, or
// Config.Timeout passes or ctx is done. Result.Insns is always 0: KVM does
// not count instructions. Host failures (an ioctl that fails) end the run
// with OutcomeUnsupported and status vmm.ExitError.
func (vm *VM) Run(ctx context.Context) vmm.Result {
	if vm.run == nil {
		return hostFailure(errors.New("the VM is closed"))
	}
	// The watcher gets the vCPU out of KVM_RUN by signalling the thread
	// that issued it, so the run loop keeps to one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// The watcher must be gone before Run returns: it writes to kvm_run,
	// which Close unmaps, and signals this thread.
	tid := unix.Gettid() // this thread, locked above
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		vm.watch(ctx, tid, done)
	}()
	defer func() {
		close(done)
		wg.Wait()
	}()
	start := time.Now()
	for {
		// Clear immediate_exit before taking the requests: a request
		// posted after the Swap also sets immediate_exit after this
		// clear, so KVM_RUN returns at once and it is seen next time.
		setImmediateExit(vm.run, false)
		if r := vm.req.Swap(0); r != 0 {
			if res, stop := vm.handleRequests(r, start); stop {
				return res
			}
		}
		err := runVCPU(uintptr(vm.vcpuFd))
		if errors.Is(err, errInterrupted) {
			continue
		}
		if err != nil {
			return hostFailure(err)
		}
		if res, stop := vm.handleExit(); stop {
			return res
		}
		if vm.irqErr != nil {
			return hostFailure(vm.irqErr)
		}
	}
}

// hostFailure ends a run on a host-side error.
func hostFailure(err error) vmm.Result {
	return vmm.Result{Outcome: vmm.OutcomeUnsupported, Status: vmm.ExitError, Detail: "kvm backend: " + err.Error()}
}

// watch runs beside the vCPU thread until done is closed: it asks it to
// look for a dead halt every haltPollInterval and to stop at the timeout or
// when ctx is done, interrupting KVM_RUN each time. A stop request is
// repeated every kickInterval until the run loop ends.
func (vm *VM) watch(ctx context.Context, tid int, done <-chan struct{}) {
	var timeout <-chan time.Time
	if vm.cfg.Timeout > 0 {
		t := time.NewTimer(vm.cfg.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	poll := time.NewTicker(haltPollInterval)
	defer poll.Stop()
	kicker := time.NewTicker(kickInterval)
	kicker.Stop()
	defer kicker.Stop()
	var kick <-chan time.Time
	cancel := ctx.Done()
	for {
		select {
		case <-done:
			return
		case <-poll.C:
			vm.request(reqPoll, tid)
		case <-timeout:
			timeout = nil
			vm.request(reqTimeout, tid)
			kicker.Reset(kickInterval)
			kick = kicker.C
		case <-cancel:
			cancel = nil
			vm.request(reqCancel, tid)
			kicker.Reset(kickInterval)
			kick = kicker.C
		case <-kick:
			vm.request(0, tid)
		}
	}
}

// request posts request bits and makes the vCPU thread leave KVM_RUN:
// immediate_exit covers a thread about to enter it, the signal a thread
// inside it. SIGURG is the signal the Go runtime already uses to preempt
// goroutines and ignores otherwise, so it is safe to send to any thread.
func (vm *VM) request(bits uint32, tid int) {
	vm.req.Or(bits)
	setImmediateExit(vm.run, true)
	_ = unix.Tgkill(unix.Getpid(), tid, unix.SIGURG)
}

// handleRequests acts on requests from the watcher.
func (vm *VM) handleRequests(r uint32, start time.Time) (vmm.Result, bool) {
	switch {
	case r&reqTimeout != 0:
		return vmm.Result{Outcome: vmm.OutcomeLimit, Status: vmm.ExitLimit,
			Detail: fmt.Sprintf("timeout of %v reached%s", vm.cfg.Timeout, vm.where())}, true
	case r&reqCancel != 0:
		return vmm.Result{Outcome: vmm.OutcomeLimit, Status: vmm.ExitLimit,
			Detail: fmt.Sprintf("interrupted after %v%s", time.Since(start).Round(time.Millisecond), vm.where())}, true
	case r&reqPoll != 0:
		if d, dead := vm.deadHalt(); dead {
			return vmm.Result{Outcome: vmm.OutcomeHalted, Status: vmm.ExitHalted, Detail: d}, true
		}
	}
	return vmm.Result{}, false
}

// deadHalt reports whether the vCPU is halted with nothing that can wake
// it: halted (KVM_MP_STATE_HALTED) outside guest mode with RFLAGS.IF or
// GIF clear. (A halted L2 may still be woken by an interrupt that L1
// intercepts, so guest mode never counts; a halt with IF=1 waits for the
// in-kernel timers, as on hardware.)
func (vm *VM) deadHalt() (string, bool) {
	fd := uintptr(vm.vcpuFd)
	var mp gokvm.MPState
	if err := gokvm.GetMPState(fd, &mp); err != nil || mp.State != gokvm.MPStateHalted {
		return "", false
	}
	r, err := gokvm.GetRegs(fd)
	if err != nil {
		return "", false
	}
	guestMode, gif := false, true
	if vm.nestedStateSize > 0 {
		var ns NestedStateSVM
		if GetNestedState(fd, &ns) == nil && ns.Format == NestedFormatSVM {
			guestMode = ns.Flags&NestedGuestMode != 0
			gif = ns.Flags&NestedGIFSet != 0
		}
	}
	switch {
	case guestMode:
		return "", false
	case !gif:
		return fmt.Sprintf("guest halted at rip %#x with GIF clear: nothing can wake it", r.RIP), true
	case r.RFLAGS&x86.FlagIF == 0:
		return fmt.Sprintf("guest halted at rip %#x with interrupts disabled: nothing can wake it", r.RIP), true
	}
	return "", false
}

// where describes the vCPU's position for messages (" at rip ...").
func (vm *VM) where() string {
	r, err := gokvm.GetRegs(uintptr(vm.vcpuFd))
	if err != nil {
		return ""
	}
	return fmt.Sprintf(" at rip %#x", r.RIP)
}

// dump summarizes the vCPU's registers for failure messages.
func (vm *VM) dump() string {
	s, err := vm.GetState()
	if err != nil {
		return "(registers unavailable: " + err.Error() + ")"
	}
	cs := s.Seg[x86.CS]
	return fmt.Sprintf("rip=%#x rflags=%#x cs=%#x/%#x cr0=%#x cr3=%#x cr4=%#x efer=%#x",
		s.RIP, s.RFLAGS, cs.Sel, cs.Attr, s.CR0, s.CR3, s.CR4, s.EFER)
}

// handleExit acts on the exit in kvm_run; stop says the run is over.
func (vm *VM) handleExit() (vmm.Result, bool) {
	reason := vm.run.ExitReason
	switch reason {
	case ExitIO:
		if err := vm.handleIO(IO(vm.run), vm.runMem); err != nil {
			return hostFailure(err), true
		}
		if vm.exited {
			return vmm.Result{Outcome: vmm.OutcomeDebugExit, Status: vm.exitStatus,
				Detail: fmt.Sprintf("isa-debug-exit: status %d", vm.exitStatus)}, true
		}
	case ExitMMIO:
		vm.handleMMIO(MMIO(vm.run))
	case ExitIntr, ExitIRQWindowOpen:
		// Nothing to do: a signal, or a window nobody asked for.
	case ExitHLT:
		// Only without an in-kernel local APIC; then nothing can wake it.
		return vmm.Result{Outcome: vmm.OutcomeHalted, Status: vmm.ExitHalted,
			Detail: "guest halted" + vm.where() + " (KVM_EXIT_HLT)"}, true
	case ExitShutdown:
		// KVM has already reset the vCPU's VMCB: registers are meaningless.
		return vmm.Result{Outcome: vmm.OutcomeTripleFault, Status: vmm.ExitTripleFault,
			Detail: "triple fault: the vCPU shut down (KVM_EXIT_SHUTDOWN)"}, true
	case ExitFailEntry:
		return vmm.Result{Outcome: vmm.OutcomeUnsupported, Status: vmm.ExitUnsupported,
			Detail: failEntryDetail(FailEntry(vm.run)) + "; " + vm.dump()}, true
	case ExitInternalError:
		return vmm.Result{Outcome: vmm.OutcomeUnsupported, Status: vmm.ExitUnsupported,
			Detail: internalErrorDetail(InternalError(vm.run)) + "; " + vm.dump()}, true
	case ExitSystemEvent:
		return vmm.Result{Outcome: vmm.OutcomeUnsupported, Status: vmm.ExitUnsupported,
			Detail: systemEventDetail(SystemEvent(vm.run))}, true
	case ExitDebug:
		d := Debug(vm.run)
		return vmm.Result{Outcome: vmm.OutcomeUnsupported, Status: vmm.ExitUnsupported,
			Detail: fmt.Sprintf("unexpected KVM_EXIT_DEBUG (exception %d at %#x, dr6 %#x): govmm does not enable guest debugging", d.Exception, d.PC, d.DR6)}, true
	default:
		return vmm.Result{Outcome: vmm.OutcomeUnsupported, Status: vmm.ExitUnsupported,
			Detail: fmt.Sprintf("unexpected %s from KVM_RUN; %s", exitName(reason), vm.dump())}, true
	}
	return vmm.Result{}, false
}

// failEntryDetail explains KVM_EXIT_FAIL_ENTRY.
func failEntryDetail(f *FailEntryExit) string {
	why := ""
	if f.HardwareEntryFailureReason == uint64(svm.ExitInvalid) {
		why = " (SVM VMEXIT_INVALID: VMRUN rejected the vCPU state in the VMCB)"
	}
	return fmt.Sprintf("KVM_EXIT_FAIL_ENTRY: the host could not enter the guest: hardware entry failure reason %#x%s, host CPU %d",
		f.HardwareEntryFailureReason, why, f.CPU)
}

// internalErrorDetail explains KVM_EXIT_INTERNAL_ERROR.
func internalErrorDetail(e *InternalErrorExit) string {
	what := map[uint32]string{
		InternalErrorEmulation:            "KVM could not emulate an instruction",
		InternalErrorSimulEx:              "an exception occurred while delivering another (simultaneous exceptions)",
		InternalErrorDeliveryEv:           "an exit occurred while delivering an event that KVM cannot handle (e.g. the IDT or stack in MMIO)",
		InternalErrorUnexpectedExitReason: "the hardware reported an exit reason KVM does not handle",
	}[e.Suberror]
	if what == "" {
		what = "unknown suberror"
	}
	n := min(int(e.NData), len(e.Data))
	return fmt.Sprintf("KVM_EXIT_INTERNAL_ERROR: suberror %d: %s; data %#x", e.Suberror, what, e.Data[:n])
}

// systemEventDetail explains KVM_EXIT_SYSTEM_EVENT.
func systemEventDetail(e *SystemEventExit) string {
	what := map[uint32]string{SystemEventShutdown: "shutdown", SystemEventReset: "reset", SystemEventCrash: "crash"}[e.Type]
	if what == "" {
		what = "unknown"
	}
	return fmt.Sprintf("KVM_EXIT_SYSTEM_EVENT: %s (type %d) requested by the guest", what, e.Type)
}

// handleIO performs a port access from kvm_run (run is the whole mapped
// kvm_run area, where the data lives at io.DataOffset): Count items of
// Size bytes, for string I/O. Unclaimed ports read as all-ones.
func (vm *VM) handleIO(io *IOExit, run []byte) error {
	size, n := uint64(io.Size), uint64(io.Count)
	if size != 1 && size != 2 && size != 4 {
		return fmt.Errorf("KVM_EXIT_IO: bad access size %d at port %#x", size, io.Port)
	}
	end := io.DataOffset + size*n
	if end < io.DataOffset || end > uint64(len(run)) {
		return fmt.Errorf("KVM_EXIT_IO: data [%#x, %#x) outside the %d-byte kvm_run area", io.DataOffset, end, len(run))
	}
	for i := uint64(0); i < n; i++ {
		b := run[io.DataOffset+i*size : io.DataOffset+(i+1)*size]
		if io.Direction == ExitIOIn {
			if !vm.pio.Read(uint64(io.Port), b) {
				for j := range b {
					b[j] = 0xff
				}
			}
		} else {
			vm.pio.Write(uint64(io.Port), b)
		}
		if vm.exited {
			break
		}
	}
	return nil
}

// handleMMIO performs an access to guest-physical memory outside RAM:
// unassigned reads return zeros and writes are dropped, as in vmm.
func (vm *VM) handleMMIO(m *MMIOExit) {
	n := min(int(m.Len), len(m.Data))
	b := m.Data[:n]
	if m.IsWrite != 0 {
		vm.mmio.Write(m.PhysAddr, b)
		return
	}
	if !vm.mmio.Read(m.PhysAddr, b) {
		clear(b)
	}
}
