// Package kvm is govmm's kvm backend: the same VMs as package vmm — the
// same Multiboot loader and guest-physical layout, the same entry state,
// COM1 and isa-debug-exit from package devices, the same exit statuses —
// but run on /dev/kvm, so that L1 runs natively and the host's KVM is L0,
// providing nested SVM to L1 hypervisors.
//
// It uses github.com/bobuhiro11/gokvm's kvm package for the ioctls it has
// and adds, on golang.org/x/sys/unix, those it lacks (abi.go):
// KVM_ENABLE_CAP, KVM_GET/SET_NESTED_STATE, a general KVM_SET_GUEST_DEBUG,
// KVM_CREATE_PIT2 with flags, a KVM_RUN that reports EINTR, and typed views
// of the kvm_run exit union (IO, MMIO, FAIL_ENTRY, INTERNAL_ERROR,
// SYSTEM_EVENT, DEBUG).
//
// Platform. The 8259 pair, the IOAPIC, the local APIC and the 8254 (with
// port 0x61) are KVM's in-kernel models (KVM_CREATE_IRQCHIP,
// KVM_CREATE_PIT2), set to the state SeaBIOS leaves them in, as vmm does
// with its own models. Keeping them in the kernel is what QEMU does; it
// gives L1 an APIC whose interrupts KVM delivers and routes between L1 and
// L2 itself, and timers that run in real time while the vCPU runs or
// halts. COM1, isa-debug-exit and fw_cfg are govmm's devices, reached
// through KVM_EXIT_IO. Consequences: device time is wall-clock time, not
// instructions, so runs are not reproducible bit for bit; KVM never exits
// on HLT, so a vCPU halted for good is detected by interrupting it every
// 20 ms and checking that it is halted outside guest mode with IF or GIF
// clear (a halt with IF=1 waits for the in-kernel timers; vmm would report
// it as halted when no timer is armed).
//
// CPUID is the host's KVM_GET_SUPPORTED_CPUID (like QEMU's -cpu host),
// with 8000_0001h ECX.SVM and leaf 8000_000Ah reduced to the SVM features
// asked for that the host supports (PlanCPUID). Nested SVM needs nothing
// else from user space: kvm_amd's nested=1 and the SVM bit in the guest's
// CPUID enable it.
//
// Probe and Available examine the host (AMD CPU, /dev/kvm, kvm_amd nested,
// the SVM that KVM offers, the nested-state size) and say why the backend
// cannot run nested SVM guests when it cannot.
package kvm
