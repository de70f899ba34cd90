package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/govmm/govmm/vmm"
	"github.com/spf13/cobra"
)

// exitError carries a process exit status out of a command.
type exitError struct{ status int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.status) }

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "govmm",
		Short: "A Type-2 hypervisor for nested AMD SVM research",
		Long: `govmm runs Multiboot v1 kernels on a software AMD64 CPU with AMD SVM,
as qemu-system-x86_64 -kernel runs them: COM1 output on stdout, and the exit
status from the isa-debug-exit device at port 0xf4.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newRunCmd(stdout, stderr))
	root.AddCommand(newScenariosCmd(stdout, stderr))
	root.AddCommand(newProbeCmd(stdout, stderr))
	return root
}

// execute runs the CLI and returns the process exit status.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.status
	default:
		fmt.Fprintln(stderr, "govmm:", err)
		return vmm.ExitError
	}
}
