// Package nsvm is L0's SVM layer, the role of Linux KVM's arch/x86/kvm/svm/:
// it runs L1 on vmcb01, handles its exits, queues and re-injects events
// (soft_int tracking, next_rip restuffing), and emulates L1's VMRUN, VMLOAD,
// VMSAVE, STGI and CLGI by merging vmcb12 into vmcb02 and routing L2's exits
// to L0 or L1.
//
// It touches no device directly: I/O and MMIO go through the VM.
//
// Status: planned (issues 5 and 6); nothing is implemented yet.
package nsvm
