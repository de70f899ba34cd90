/*
 * kvm_abi.c prints the sizes, offsets, ioctl numbers and constants of the
 * Linux KVM UAPI that package kvm mirrors, one "NAME VALUE" line each.
 * TestABIAgainstHeaders compiles it against the installed <linux/kvm.h>
 * and compares every line with the Go definitions.
 */
#include <stdio.h>
#include <stddef.h>
#include <linux/kvm.h>

#define S(name, t) printf("%s %zu\n", name, sizeof(t))
#define O(name, t, f) printf("%s %zu\n", name, offsetof(t, f))
#define V(x) printf("%s %lu\n", #x, (unsigned long)(x))

int main(void)
{
	S("sizeof_kvm_nested_state", struct kvm_nested_state);
	S("sizeof_kvm_svm_nested_state_data", struct kvm_svm_nested_state_data);
	S("sizeof_kvm_enable_cap", struct kvm_enable_cap);
	S("sizeof_kvm_guest_debug", struct kvm_guest_debug);
	S("sizeof_kvm_pit_config", struct kvm_pit_config);
	S("sizeof_kvm_vcpu_events", struct kvm_vcpu_events);
	S("sizeof_kvm_regs", struct kvm_regs);
	S("sizeof_kvm_sregs", struct kvm_sregs);
	S("sizeof_kvm_debugregs", struct kvm_debugregs);
	S("sizeof_kvm_pit_state2", struct kvm_pit_state2);
	S("sizeof_kvm_irqchip", struct kvm_irqchip);
	S("sizeof_kvm_lapic_state", struct kvm_lapic_state);
	S("sizeof_kvm_run_io", ((struct kvm_run *)0)->io);
	S("sizeof_kvm_run_mmio", ((struct kvm_run *)0)->mmio);
	S("sizeof_kvm_run_fail_entry", ((struct kvm_run *)0)->fail_entry);
	S("sizeof_kvm_run_internal", ((struct kvm_run *)0)->internal);
	S("sizeof_kvm_run_system_event", ((struct kvm_run *)0)->system_event);
	O("offsetof_kvm_run_immediate_exit", struct kvm_run, immediate_exit);
	O("offsetof_kvm_run_exit_reason", struct kvm_run, exit_reason);
	O("offsetof_kvm_run_io", struct kvm_run, io);
	O("offsetof_kvm_run_io_data_offset", struct kvm_run, io.data_offset);
	O("offsetof_kvm_run_mmio_len", struct kvm_run, mmio.len);
	O("offsetof_kvm_run_mmio_is_write", struct kvm_run, mmio.is_write);
	O("offsetof_kvm_run_fail_entry_cpu", struct kvm_run, fail_entry.cpu);
	O("offsetof_kvm_run_internal_data", struct kvm_run, internal.data);
	O("offsetof_kvm_run_kvm_valid_regs", struct kvm_run, kvm_valid_regs);
	O("offsetof_kvm_vcpu_events_exception_payload", struct kvm_vcpu_events, exception_payload);
	V(KVM_ENABLE_CAP);
	V(KVM_GET_NESTED_STATE);
	V(KVM_SET_NESTED_STATE);
	V(KVM_SET_GUEST_DEBUG);
	V(KVM_CREATE_PIT2);
	V(KVM_CHECK_EXTENSION);
	V(KVM_RUN);
	V(KVM_GET_VCPU_EVENTS);
	V(KVM_SET_VCPU_EVENTS);
	V(KVM_API_VERSION);
	V(KVM_CAP_NESTED_STATE);
	V(KVM_CAP_ENABLE_CAP);
	V(KVM_CAP_ENABLE_CAP_VM);
	V(KVM_CAP_EXCEPTION_PAYLOAD);
	V(KVM_CAP_X86_TRIPLE_FAULT_EVENT);
	V(KVM_STATE_NESTED_GUEST_MODE);
	V(KVM_STATE_NESTED_GIF_SET);
	V(KVM_STATE_NESTED_FORMAT_SVM);
	V(KVM_PIT_SPEAKER_DUMMY);
	V(KVM_EXIT_SHUTDOWN);
	V(KVM_EXIT_FAIL_ENTRY);
	V(KVM_EXIT_INTERNAL_ERROR);
	V(KVM_EXIT_SYSTEM_EVENT);
	return 0;
}
