package x86

import (
	"fmt"
	"strings"

	"github.com/govmm/govmm/x86/svm"
)

// ParseSVMFeatures parses a feature-set description: a named set
// ("default", "qemu-max", "none"), optionally followed by comma-separated
// changes "+NAME" or "-NAME" (feature names as in CPUID 8000_000Ah: NRIPS,
// DecodeAssists, VGIF, ...), or a plain comma-separated list of names. It
// rejects features the silicon does not implement.
func ParseSVMFeatures(spec string) (svm.Features, error) {
	var f svm.Features
	parts := strings.Split(spec, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case i == 0 && strings.EqualFold(p, "default"):
			f = SVMFeaturesDefault
		case i == 0 && strings.EqualFold(p, "qemu-max"):
			f = SVMFeaturesQEMUMax
		case i == 0 && (strings.EqualFold(p, "none") || p == ""):
			f = 0
		default:
			op := byte('+')
			if p != "" && (p[0] == '+' || p[0] == '-') {
				op, p = p[0], p[1:]
			}
			bit, ok := svm.FeatureByName(p)
			if !ok {
				return 0, fmt.Errorf("unknown SVM feature %q", p)
			}
			if op == '-' {
				f &^= bit
				continue
			}
			if bit&ImplementedSVMFeatures == 0 {
				return 0, fmt.Errorf("SVM feature %s is not implemented by govmm's CPU (implemented: %v)", p, ImplementedSVMFeatures)
			}
			f |= bit
		}
	}
	return f, nil
}
