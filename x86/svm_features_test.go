package x86

import (
	"testing"

	"github.com/govmm/govmm/x86/svm"
)

func TestParseSVMFeatures(t *testing.T) {
	tests := []struct {
		spec    string
		want    svm.Features
		wantErr bool
	}{
		{"default", SVMFeaturesDefault, false},
		{"qemu-max", SVMFeaturesQEMUMax, false},
		{"none", 0, false},
		{"default,-NRIPS", SVMFeaturesDefault &^ svm.FeatureNRIPS, false},
		{"qemu-max,+nrips", SVMFeaturesQEMUMax | svm.FeatureNRIPS, false},
		{"NRIPS,VGIF", svm.FeatureNRIPS | svm.FeatureVGIF, false},
		{"default,+AVIC", 0, true},
		{"bogus", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseSVMFeatures(tt.spec)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseSVMFeatures(%q) = %v, %v; want %v, err=%v", tt.spec, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
