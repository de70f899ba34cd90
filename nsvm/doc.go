// Package nsvm is L0's SVM layer, the role of Linux KVM's arch/x86/kvm/svm/:
// it runs L1 on vmcb01 through the CPU's one VMRUN (x86.CPU.VMRun), handles
// L1's exits through a table indexed by exit code, and keeps KVM's event
// model — pending vs injected exception, NMI and interrupt, injection through
// EVENTINJ in priority order, interrupt and NMI windows — including the soft
// interrupt tracking (csbase, old_rip, next_rip) that re-injects INT3, INTO
// and INTn with a correct next_rip after an exit taken while vectoring them.
//
// L1's memory is virtualized with shadow paging (package mmu): CR0.PG/WP,
// CR3 and EFER are L0's in hardware and L1's in software; CR0, CR3 and CR4
// writes, CR0 and CR3 reads, INVLPG, EFER accesses and #PF are intercepted.
//
// It touches no device directly: interrupts, time and the stop request come
// from the Host (the VM).
//
// KVM counterparts are named in comments (// KVM: function) so a reviewer can
// compare the two.
package nsvm
