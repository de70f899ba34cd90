package kvm

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"golang.org/x/sys/unix"
)

// This file adds what gokvm's kvm package (v0.0.8-0.20231003020000-f53faca69d28)
// lacks: KVM_ENABLE_CAP, KVM_GET/SET_NESTED_STATE, a general
// KVM_SET_GUEST_DEBUG, KVM_CREATE_PIT2 with flags, KVM_RUN that reports EINTR,
// and typed views of the kvm_run exit union. Layouts and numbers follow
// include/uapi/linux/kvm.h and arch/x86/include/uapi/asm/kvm.h; abi_test.go
// pins every size, offset and ioctl number against values taken from those
// headers.

// ioctl numbers not in gokvm (built with gokvm's _IOC helpers from the
// structures below, so a layout mistake changes the number and fails the
// tests).
var (
	ioctlEnableCap      = gokvm.IIOW(0xa3, unsafe.Sizeof(EnableCapArgs{})) // KVM_ENABLE_CAP
	ioctlGetNestedState = gokvm.IIOWR(0xbe, unsafe.Sizeof(NestedState{}))  // KVM_GET_NESTED_STATE
	ioctlSetNestedState = gokvm.IIOW(0xbf, unsafe.Sizeof(NestedState{}))   // KVM_SET_NESTED_STATE
	ioctlSetGuestDebug  = gokvm.IIOW(0x9b, unsafe.Sizeof(GuestDebug{}))    // KVM_SET_GUEST_DEBUG
	ioctlCreatePIT2     = gokvm.IIOW(0x77, unsafe.Sizeof(pitConfig{}))     // KVM_CREATE_PIT2
	ioctlCheckExtension = gokvm.IIO(0x03)                                  // KVM_CHECK_EXTENSION
	ioctlRun            = gokvm.IIO(0x80)                                  // KVM_RUN
)

// APIVersion is the only KVM API version there has ever been (KVM_API_VERSION).
const APIVersion = 12

// Capabilities this package checks or enables (KVM_CAP_*).
const (
	CapIRQChip             = 0   // KVM_CAP_IRQCHIP
	CapSetGuestDebug       = 23  // KVM_CAP_SET_GUEST_DEBUG
	CapPIT2                = 33  // KVM_CAP_PIT2
	CapVCPUEvents          = 41  // KVM_CAP_VCPU_EVENTS
	CapEnableCap           = 54  // KVM_CAP_ENABLE_CAP: KVM_ENABLE_CAP on vCPU descriptors
	CapEnableCapVM         = 98  // KVM_CAP_ENABLE_CAP_VM: KVM_ENABLE_CAP on VM descriptors
	CapNestedState         = 157 // KVM_CAP_NESTED_STATE: the largest nested-state blob, in bytes
	CapExceptionPayload    = 164 // KVM_CAP_EXCEPTION_PAYLOAD
	CapX86TripleFaultEvent = 218 // KVM_CAP_X86_TRIPLE_FAULT_EVENT
)

// Exit reasons (kvm_run.exit_reason, KVM_EXIT_*) the run loop handles.
const (
	ExitUnknown       = 0
	ExitException     = 1
	ExitIO            = 2
	ExitHypercall     = 3
	ExitDebug         = 4
	ExitHLT           = 5
	ExitMMIO          = 6
	ExitIRQWindowOpen = 7
	ExitShutdown      = 8
	ExitFailEntry     = 9
	ExitIntr          = 10
	ExitInternalError = 17
	ExitSystemEvent   = 24
)

// KVM_EXIT_IO directions.
const (
	ExitIOIn  = 0 // KVM_EXIT_IO_IN
	ExitIOOut = 1 // KVM_EXIT_IO_OUT
)

// KVM_INTERNAL_ERROR_* suberrors.
const (
	InternalErrorEmulation            = 1 // KVM could not emulate an instruction
	InternalErrorSimulEx              = 2 // an exception was raised while delivering another
	InternalErrorDeliveryEv           = 3 // an exit happened while delivering an event (in guest-visible memory KVM cannot handle)
	InternalErrorUnexpectedExitReason = 4 // the hardware exit reason is one KVM does not know
)

// KVM_SYSTEM_EVENT_* types.
const (
	SystemEventShutdown = 1
	SystemEventReset    = 2
	SystemEventCrash    = 3
)

// exitName names an exit reason for messages.
func exitName(r uint32) string {
	names := map[uint32]string{
		ExitUnknown: "KVM_EXIT_UNKNOWN", ExitException: "KVM_EXIT_EXCEPTION", ExitIO: "KVM_EXIT_IO",
		ExitHypercall: "KVM_EXIT_HYPERCALL", ExitDebug: "KVM_EXIT_DEBUG", ExitHLT: "KVM_EXIT_HLT",
		ExitMMIO: "KVM_EXIT_MMIO", ExitIRQWindowOpen: "KVM_EXIT_IRQ_WINDOW_OPEN",
		ExitShutdown: "KVM_EXIT_SHUTDOWN", ExitFailEntry: "KVM_EXIT_FAIL_ENTRY", ExitIntr: "KVM_EXIT_INTR",
		ExitInternalError: "KVM_EXIT_INTERNAL_ERROR", ExitSystemEvent: "KVM_EXIT_SYSTEM_EVENT",
	}
	if n, ok := names[r]; ok {
		return n
	}
	return fmt.Sprintf("exit reason %d", r)
}

// EnableCapArgs is struct kvm_enable_cap (104 bytes).
type EnableCapArgs struct {
	Cap   uint32
	Flags uint32
	Args  [4]uint64
	_     [64]byte
}

// EnableCap enables capability c.Cap on a VM or vCPU file descriptor
// (KVM_ENABLE_CAP; which one depends on the capability).
func EnableCap(fd uintptr, c *EnableCapArgs) error {
	if _, err := gokvm.Ioctl(fd, ioctlEnableCap, uintptr(unsafe.Pointer(c))); err != nil {
		return fmt.Errorf("KVM_ENABLE_CAP(%d): %w", c.Cap, err)
	}
	return nil
}

// CheckExtension returns KVM_CHECK_EXTENSION's answer for capability c on a
// /dev/kvm or VM descriptor: 0 when absent, otherwise 1 or a
// capability-specific value (for CapNestedState, the largest nested-state
// size). gokvm's CheckExtension takes a uint8 capability; this one any.
func CheckExtension(fd uintptr, c int) (int, error) {
	r, err := gokvm.Ioctl(fd, ioctlCheckExtension, uintptr(c))
	if err != nil {
		return 0, fmt.Errorf("KVM_CHECK_EXTENSION(%d): %w", c, err)
	}
	return int(r), nil
}

// Flags of NestedState.Flags (KVM_STATE_NESTED_*).
const (
	NestedGuestMode   = 0x1   // the vCPU was in guest mode (running L2)
	NestedRunPending  = 0x2   // a nested VMRUN was being emulated
	NestedGIFSet      = 0x100 // GIF is set (SVM)
	NestedFormatVMX   = 0     // Format: VMX
	NestedFormatSVM   = 1     // Format: SVM
	NestedSVMVMCBSize = 0x1000
)

// NestedState is the header of struct kvm_nested_state: 128 bytes (the
// format-specific header is padded to 120 bytes). The kernel's ioctl
// numbers are computed from this header alone; the data follows it.
type NestedState struct {
	Flags  uint16
	Format uint16
	Size   uint32 // total size of the structure including data
	Hdr    [120]byte
}

// NestedStateSVM is kvm_nested_state with SVM data: header (whose Hdr
// starts with struct kvm_svm_nested_state_hdr {u64 vmcb_pa}) followed by
// struct kvm_svm_nested_state_data {u8 vmcb12[4096]}.
type NestedStateSVM struct {
	NestedState
	VMCB12 [NestedSVMVMCBSize]byte
}

// VMCBPA returns the guest-physical address of L1's vmcb12
// (kvm_svm_nested_state_hdr.vmcb_pa), valid in guest mode.
func (s *NestedStateSVM) VMCBPA() uint64 {
	return *(*uint64)(unsafe.Pointer(&s.Hdr[0]))
}

// GetNestedState reads the vCPU's nested state (KVM_GET_NESTED_STATE). The
// buffer is the SVM size; the kernel fails with E2BIG if it needs more
// (which only happens for VMX).
func GetNestedState(vcpuFd uintptr, st *NestedStateSVM) error {
	st.Size = uint32(unsafe.Sizeof(*st))
	if _, err := gokvm.Ioctl(vcpuFd, ioctlGetNestedState, uintptr(unsafe.Pointer(st))); err != nil {
		return fmt.Errorf("KVM_GET_NESTED_STATE: %w", err)
	}
	return nil
}

// SetNestedState writes the vCPU's nested state (KVM_SET_NESTED_STATE);
// st.Size must say how much of st is valid (128 outside guest mode, 4224
// in guest mode).
func SetNestedState(vcpuFd uintptr, st *NestedStateSVM) error {
	if _, err := gokvm.Ioctl(vcpuFd, ioctlSetNestedState, uintptr(unsafe.Pointer(st))); err != nil {
		return fmt.Errorf("KVM_SET_NESTED_STATE: %w", err)
	}
	return nil
}

// Guest-debug control bits (KVM_GUESTDBG_*).
const (
	GuestDebugEnable     = 0x1
	GuestDebugSingleStep = 0x2
	GuestDebugUseSWBP    = 0x10000
	GuestDebugUseHWBP    = 0x20000
	GuestDebugInjectDB   = 0x40000
	GuestDebugInjectBP   = 0x80000
)

// GuestDebug is struct kvm_guest_debug with the x86 struct
// kvm_guest_debug_arch (72 bytes): DebugReg holds DR0-DR3, DR6 (unused by
// KVM) and DR7 for hardware breakpoints.
type GuestDebug struct {
	Control  uint32
	_        uint32
	DebugReg [8]uint64
}

// SetGuestDebug sets the vCPU's guest-debug state (KVM_SET_GUEST_DEBUG).
// gokvm only has SingleStep, which passes a fixed buffer.
func SetGuestDebug(vcpuFd uintptr, d *GuestDebug) error {
	if _, err := gokvm.Ioctl(vcpuFd, ioctlSetGuestDebug, uintptr(unsafe.Pointer(d))); err != nil {
		return fmt.Errorf("KVM_SET_GUEST_DEBUG: %w", err)
	}
	return nil
}

// PITSpeakerDummy (KVM_PIT_SPEAKER_DUMMY) makes the in-kernel PIT also
// handle port 0x61 (counter 2 gate and output, refresh toggle).
const PITSpeakerDummy = 1

// pitConfig is struct kvm_pit_config (64 bytes).
type pitConfig struct {
	Flags uint32
	_     [15]uint32
}

// CreatePIT2 creates the in-kernel 8254 (KVM_CREATE_PIT2) with flags
// (gokvm's CreatePIT2 always passes 0).
func CreatePIT2(vmFd uintptr, flags uint32) error {
	c := pitConfig{Flags: flags}
	if _, err := gokvm.Ioctl(vmFd, ioctlCreatePIT2, uintptr(unsafe.Pointer(&c))); err != nil {
		return fmt.Errorf("KVM_CREATE_PIT2: %w", err)
	}
	return nil
}

// errInterrupted means KVM_RUN returned without running to an exit: a
// signal arrived or immediate_exit was set.
var errInterrupted = errors.New("KVM_RUN interrupted")

// runVCPU enters the guest (KVM_RUN). Unlike gokvm's Run it reports EINTR
// and EAGAIN as errInterrupted: kvm_run.exit_reason is then stale (KVM
// does not update it when immediate_exit is set), so the caller must not
// dispatch on it.
func runVCPU(vcpuFd uintptr) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, vcpuFd, ioctlRun, 0)
	switch errno {
	case 0:
		return nil
	case unix.EINTR, unix.EAGAIN:
		return errInterrupted
	default:
		return fmt.Errorf("KVM_RUN: %w", errno)
	}
}

// Offset of the exit union in struct kvm_run; gokvm's RunData.Data starts there.
const runExitOffset = 32

// IOExit is the io member of the kvm_run exit union (KVM_EXIT_IO). The data
// is Count items of Size bytes at DataOffset from the start of kvm_run.
type IOExit struct {
	Direction  uint8
	Size       uint8
	Port       uint16
	Count      uint32
	DataOffset uint64
}

// MMIOExit is the mmio member of the kvm_run exit union (KVM_EXIT_MMIO).
type MMIOExit struct {
	PhysAddr uint64
	Data     [8]byte
	Len      uint32
	IsWrite  uint8
	_        [3]byte
}

// FailEntryExit is the fail_entry member (KVM_EXIT_FAIL_ENTRY). On AMD the
// reason is the VMCB's EXITCODE, VMEXIT_INVALID (-1) when VMRUN rejected
// the guest state.
type FailEntryExit struct {
	HardwareEntryFailureReason uint64
	CPU                        uint32
	_                          uint32
}

// InternalErrorExit is the internal member (KVM_EXIT_INTERNAL_ERROR).
type InternalErrorExit struct {
	Suberror uint32
	NData    uint32
	Data     [16]uint64
}

// SystemEventExit is the system_event member (KVM_EXIT_SYSTEM_EVENT).
type SystemEventExit struct {
	Type  uint32
	NData uint32
	Data  [16]uint64
}

// DebugExitArch is the x86 debug member (struct kvm_debug_exit_arch,
// KVM_EXIT_DEBUG).
type DebugExitArch struct {
	Exception uint32
	_         uint32
	PC        uint64
	DR6       uint64
	DR7       uint64
}

// Typed views of gokvm's untyped exit union (RunData.Data).

// IO returns the KVM_EXIT_IO view of r's exit union.
func IO(r *gokvm.RunData) *IOExit { return (*IOExit)(unsafe.Pointer(&r.Data[0])) }

// MMIO returns the KVM_EXIT_MMIO view of r's exit union.
func MMIO(r *gokvm.RunData) *MMIOExit { return (*MMIOExit)(unsafe.Pointer(&r.Data[0])) }

// FailEntry returns the KVM_EXIT_FAIL_ENTRY view of r's exit union.
func FailEntry(r *gokvm.RunData) *FailEntryExit {
	return (*FailEntryExit)(unsafe.Pointer(&r.Data[0]))
}

// InternalError returns the KVM_EXIT_INTERNAL_ERROR view of r's exit union.
func InternalError(r *gokvm.RunData) *InternalErrorExit {
	return (*InternalErrorExit)(unsafe.Pointer(&r.Data[0]))
}

// SystemEvent returns the KVM_EXIT_SYSTEM_EVENT view of r's exit union.
func SystemEvent(r *gokvm.RunData) *SystemEventExit {
	return (*SystemEventExit)(unsafe.Pointer(&r.Data[0]))
}

// Debug returns the KVM_EXIT_DEBUG view of r's exit union.
func Debug(r *gokvm.RunData) *DebugExitArch { return (*DebugExitArch)(unsafe.Pointer(&r.Data[0])) }

// setImmediateExit sets or clears kvm_run.immediate_exit (byte 1) with an
// atomic operation on the first word, so another goroutine may request an
// exit while the vCPU thread clears it. KVM only reads the byte.
func setImmediateExit(r *gokvm.RunData, on bool) {
	w := (*uint32)(unsafe.Pointer(r))
	if on {
		atomic.OrUint32(w, 1<<8)
	} else {
		atomic.AndUint32(w, ^uint32(0xff00))
	}
}
