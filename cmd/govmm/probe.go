package main

import (
	"io"

	"github.com/govmm/govmm/vmm/kvm"
	"github.com/spf13/cobra"
)

// newProbeCmd is `govmm probe`: what the host's KVM offers the kvm backend.
func newProbeCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "probe",
		Short: "Report whether this host's KVM can run nested AMD SVM guests (the kvm backend)",
		Long: `Report the host's KVM capabilities that govmm's kvm backend relies on: the
CPU vendor and SVM bit (host CPUID), /dev/kvm and its API version, kvm_amd's
nested parameter, the SVM that KVM offers guests (CPUID 8000_000Ah: NRIPS,
NPT, ...), the nested-state size (KVM_CAP_NESTED_STATE), and the verdict, or
the precise reason why the backend cannot run here.

Exit status: 0 when the kvm backend can run nested SVM guests, 1 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := kvm.Probe()
			if _, err := r.WriteTo(stdout); err != nil {
				return err
			}
			if r.Err != nil {
				return exitError{status: 1}
			}
			return nil
		},
	}
}
