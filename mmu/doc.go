// Package mmu is L0's shadow paging, the role of KVM's arch/x86/kvm/mmu/
// without NPT: the guest's page tables are walked in software (package
// x86/paging, the same walker the CPU uses) and mirrored, lazily and one
// 4 KiB page at a time, into shadow page tables that live in L0-private
// physical memory. The CPU walks only the shadow tables.
//
// Entries are created on the #PF intercept: when the guest's own tables
// permit the access the shadow entry is filled and the guest resumes without
// noticing; otherwise the guest's #PF (its error code and address) is handed
// back to be injected. Shadow entries behave like a TLB: they are dropped on
// CR3 writes, INVLPG, paging-mode changes, and by the zap policy, which drops
// them on purpose so that faults happen while an event is being delivered.
//
// It does not decide where events are routed; that is nsvm's job.
//
// Invariants: a shadow entry never maps L0-private memory; a shadow entry
// grants no permission the guest's tables deny, except the CR0.WP=0
// supervisor-write case (writable but supervisor-only, as KVM does); a
// writable shadow entry exists only where the guest's dirty bit is set, so
// the guest's A/D bits are exact.
package mmu
