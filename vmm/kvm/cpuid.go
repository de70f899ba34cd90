package kvm

import (
	"errors"
	"fmt"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/x86/svm"
)

// maxCPUIDEntries is KVM_MAX_CPUID_ENTRIES: KVM_GET_SUPPORTED_CPUID fails
// with E2BIG when given fewer entries than it has.
const maxCPUIDEntries = 256

const (
	leafExtFeatures = 0x80000001 // ECX bit 2: SVM
	leafSVM         = svm.CPUIDFnSVM
)

// ErrNoSVM means host KVM does not offer SVM to its guests: CPUID
// 8000_0001h ECX.SVM is clear in KVM_GET_SUPPORTED_CPUID. On an AMD host
// this is kvm_amd loaded with nested=0.
var ErrNoSVM = errors.New("host KVM does not offer SVM to guests (CPUID 8000_0001h ECX.SVM is clear in KVM_GET_SUPPORTED_CPUID)")

// CPUIDPlan is the CPUID govmm gives the vCPU, derived from what the host
// KVM supports and the SVM features wanted.
type CPUIDPlan struct {
	// Entries is what goes to KVM_SET_CPUID2: the supported entries with
	// SVM adjusted.
	Entries []gokvm.CPUIDEntry2
	// SVM reports whether 8000_0001h ECX.SVM is set for the guest.
	SVM bool
	// Features is leaf 8000_000Ah EDX as the guest sees it: the wanted
	// features the host supports.
	Features svm.Features
	// Missing are wanted features the host KVM does not support; the guest
	// does not see them.
	Missing svm.Features
}

// findLeaf returns the index of leaf's subleaf-0 entry, or -1.
func findLeaf(es []gokvm.CPUIDEntry2, leaf uint32) int {
	for i, e := range es {
		if e.Function == leaf && e.Index == 0 {
			return i
		}
	}
	return -1
}

// PlanCPUID filters the host's supported CPUID (KVM_GET_SUPPORTED_CPUID)
// for a guest that should see the SVM features want, the way QEMU's -cpu
// host filters its model: every leaf is the host's, except that
// 8000_0001h ECX.SVM is set only when want is non-zero, and leaf
// 8000_000Ah keeps the host's revision and ASID count but shows only the
// wanted features that the host supports (want ∩ host). With want == 0,
// SVM is hidden and 8000_000Ah reads as zeros. It fails with ErrNoSVM when
// SVM is wanted and the host does not offer it. supported is not modified.
func PlanCPUID(supported []gokvm.CPUIDEntry2, want svm.Features) (CPUIDPlan, error) {
	es := append([]gokvm.CPUIDEntry2(nil), supported...)
	ext := findLeaf(es, leafExtFeatures)
	hostSVM := ext >= 0 && es[ext].Ecx&svm.CPUIDExtFeatureECXSVM != 0
	si := findLeaf(es, leafSVM)
	var hostFeatures svm.Features
	if si >= 0 {
		hostFeatures = svm.Features(es[si].Edx)
	}
	if want == 0 {
		if ext >= 0 {
			es[ext].Ecx &^= svm.CPUIDExtFeatureECXSVM
		}
		if si >= 0 {
			es[si].Eax, es[si].Ebx, es[si].Ecx, es[si].Edx = 0, 0, 0, 0
		}
		return CPUIDPlan{Entries: es}, nil
	}
	if !hostSVM {
		return CPUIDPlan{}, fmt.Errorf("SVM features %v requested: %w", want, ErrNoSVM)
	}
	if si < 0 {
		es = append(es, gokvm.CPUIDEntry2{Function: leafSVM})
		si = len(es) - 1
	}
	got := want & hostFeatures
	es[si].Edx = uint32(got)
	return CPUIDPlan{Entries: es, SVM: true, Features: got, Missing: want &^ hostFeatures}, nil
}

// supportedCPUID reads KVM_GET_SUPPORTED_CPUID from a /dev/kvm descriptor.
func supportedCPUID(kvmFd uintptr) ([]gokvm.CPUIDEntry2, error) {
	c := &gokvm.CPUID{Nent: maxCPUIDEntries, Entries: make([]gokvm.CPUIDEntry2, maxCPUIDEntries)}
	if err := gokvm.GetSupportedCPUID(kvmFd, c); err != nil {
		return nil, fmt.Errorf("KVM_GET_SUPPORTED_CPUID: %w", err)
	}
	if int(c.Nent) < len(c.Entries) {
		c.Entries = c.Entries[:c.Nent]
	}
	return c.Entries, nil
}

// setCPUID installs entries on a vCPU (KVM_SET_CPUID2).
func setCPUID(vcpuFd uintptr, entries []gokvm.CPUIDEntry2) error {
	c := &gokvm.CPUID{Nent: uint32(len(entries)), Entries: entries}
	if err := gokvm.SetCPUID2(vcpuFd, c); err != nil {
		return fmt.Errorf("KVM_SET_CPUID2: %w", err)
	}
	return nil
}
