package kvm

import (
	"errors"
	"testing"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// KVM's nested SVM features on a recent kernel and AMD host (what
// svm_set_cpu_caps sets with nested=1, npt=1, vgif=1, ...): no
// DecodeAssists, which KVM never offers L1. Kernels before ~5.15 offered
// only NRIPS and NPT.
const kvmNestedFeatures = svm.FeatureNP | svm.FeatureLbrVirt | svm.FeatureNRIPS | svm.FeatureTscRateMsr |
	svm.FeatureVmcbClean | svm.FeatureFlushByAsid | svm.FeaturePauseFilter | svm.FeaturePauseFilterThreshold |
	svm.FeatureVMSAVEvirt | svm.FeatureVGIF | svm.FeatureVNMI | svm.FeatureSvmeAddrChk

// hostEntries builds a supported-CPUID table: vendor, leaf 1, 8000_0001h
// with or without SVM, and optionally 8000_000Ah with features.
func hostEntries(svmBit bool, leafA bool, features svm.Features) []gokvm.CPUIDEntry2 {
	ext := gokvm.CPUIDEntry2{Function: 0x80000001, Eax: 0x00a00f11, Ecx: 0x75c237ff, Edx: 0x2fd3fbff}
	if !svmBit {
		ext.Ecx &^= svm.CPUIDExtFeatureECXSVM
	}
	es := []gokvm.CPUIDEntry2{
		{Function: 0, Eax: 0x10, Ebx: 0x68747541, Ecx: 0x444d4163, Edx: 0x69746e65},
		{Function: 1, Eax: 0x00a00f11, Ecx: 0xf6f83203, Edx: 0x178bfbff},
		{Function: 7, Index: 0, Flags: 1, Ebx: 0xf1bf07ab},
		{Function: 7, Index: 1, Flags: 1, Eax: 0x10},
		{Function: 0x80000000, Eax: 0x80000021},
		ext,
	}
	if leafA {
		es = append(es, gokvm.CPUIDEntry2{Function: 0x8000000a, Eax: 1, Ebx: 0x8000, Edx: uint32(features)})
	}
	return append(es, gokvm.CPUIDEntry2{Function: 0x8000001f, Eax: 0x1})
}

func TestPlanCPUID(t *testing.T) {
	tests := []struct {
		name              string
		svmBit, leafA     bool
		host              svm.Features
		want              svm.Features
		err               error
		guestSVM          bool
		features, missing svm.Features
		leafEDX           uint32 // 8000_000Ah EDX in the result
		leafEAX, leafEBX  uint32
	}{
		{
			name: "default set on a KVM with nested", svmBit: true, leafA: true, host: kvmNestedFeatures,
			want: x86.SVMFeaturesDefault, guestSVM: true,
			features: x86.SVMFeaturesDefault &^ svm.FeatureDecodeAssists, missing: svm.FeatureDecodeAssists,
			leafEDX: uint32(x86.SVMFeaturesDefault &^ svm.FeatureDecodeAssists), leafEAX: 1, leafEBX: 0x8000,
		},
		{
			name: "qemu-max set", svmBit: true, leafA: true, host: kvmNestedFeatures,
			want: x86.SVMFeaturesQEMUMax, guestSVM: true,
			features: x86.SVMFeaturesQEMUMax, leafEDX: uint32(x86.SVMFeaturesQEMUMax), leafEAX: 1, leafEBX: 0x8000,
		},
		{
			name: "old kernel: NRIPS and NPT only", svmBit: true, leafA: true, host: svm.FeatureNRIPS | svm.FeatureNP,
			want: x86.SVMFeaturesDefault, guestSVM: true,
			features: svm.FeatureNRIPS, missing: x86.SVMFeaturesDefault &^ svm.FeatureNRIPS,
			leafEDX: uint32(svm.FeatureNRIPS), leafEAX: 1, leafEBX: 0x8000,
		},
		{
			name: "host without NRIPS or NPT (npt=0, old CPU)", svmBit: true, leafA: true,
			host: svm.FeatureVmcbClean | svm.FeatureFlushByAsid,
			want: svm.FeatureNRIPS | svm.FeatureNP | svm.FeatureVmcbClean, guestSVM: true,
			features: svm.FeatureVmcbClean, missing: svm.FeatureNRIPS | svm.FeatureNP,
			leafEDX: uint32(svm.FeatureVmcbClean), leafEAX: 1, leafEBX: 0x8000,
		},
		{
			name: "host features beyond the wanted ones stay hidden", svmBit: true, leafA: true, host: kvmNestedFeatures,
			want: svm.FeatureNRIPS, guestSVM: true, features: svm.FeatureNRIPS,
			leafEDX: uint32(svm.FeatureNRIPS), leafEAX: 1, leafEBX: 0x8000,
		},
		{
			name: "SVM bit but no leaf 8000_000Ah", svmBit: true, leafA: false,
			want: svm.FeatureNRIPS, guestSVM: true, missing: svm.FeatureNRIPS,
		},
		{
			name: "none hides SVM", svmBit: true, leafA: true, host: kvmNestedFeatures,
			want: 0,
		},
		{
			name: "none on a host without SVM", svmBit: false, leafA: false, want: 0,
		},
		{
			name: "SVM wanted, nested=0 (no SVM bit)", svmBit: false, leafA: true, host: kvmNestedFeatures,
			want: x86.SVMFeaturesDefault, err: ErrNoSVM,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := hostEntries(tt.svmBit, tt.leafA, tt.host)
			orig := append([]gokvm.CPUIDEntry2(nil), in...)
			p, err := PlanCPUID(in, tt.want)
			for i := range in {
				if in[i] != orig[i] {
					t.Fatalf("PlanCPUID modified its input entry %d", i)
				}
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.SVM != tt.guestSVM || p.Features != tt.features || p.Missing != tt.missing {
				t.Errorf("SVM %v features %v missing %v; want %v %v %v", p.SVM, p.Features, p.Missing, tt.guestSVM, tt.features, tt.missing)
			}
			ext := p.Entries[findLeaf(p.Entries, 0x80000001)]
			if got := ext.Ecx&svm.CPUIDExtFeatureECXSVM != 0; got != tt.guestSVM {
				t.Errorf("8000_0001h ECX.SVM = %v, want %v", got, tt.guestSVM)
			}
			if ext.Ecx|svm.CPUIDExtFeatureECXSVM != orig[5].Ecx|svm.CPUIDExtFeatureECXSVM || ext.Edx != orig[5].Edx {
				t.Errorf("8000_0001h other bits changed: %#x/%#x, host %#x/%#x", ext.Ecx, ext.Edx, orig[5].Ecx, orig[5].Edx)
			}
			if i := findLeaf(p.Entries, 0x8000000a); i >= 0 {
				l := p.Entries[i]
				if l.Edx != tt.leafEDX || l.Eax != tt.leafEAX || l.Ebx != tt.leafEBX {
					t.Errorf("8000_000Ah = EAX %#x EBX %#x EDX %#x, want %#x %#x %#x", l.Eax, l.Ebx, l.Edx, tt.leafEAX, tt.leafEBX, tt.leafEDX)
				}
			} else if tt.guestSVM {
				t.Errorf("8000_000Ah missing with SVM exposed")
			}
			// Every other leaf is the host's, in order.
			for _, o := range orig {
				if o.Function == 0x80000001 || o.Function == 0x8000000a {
					continue
				}
				found := false
				for _, e := range p.Entries {
					if e == o {
						found = true
					}
				}
				if !found {
					t.Errorf("leaf %#x.%d changed or dropped", o.Function, o.Index)
				}
			}
		})
	}
}
