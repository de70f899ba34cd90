package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govmm/govmm/images"
	"github.com/govmm/govmm/vmm"
	"github.com/spf13/cobra"
)

func newScenariosCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List or run the built-in scenario and test images",
		Long: `The built-in images are Multiboot kernels embedded in govmm: ISA and system
tests, the seed scenario, and L1 hypervisors (svm_*) that exercise nested SVM.
Each checks itself and has a golden output taken from QEMU (corrected where the AMD
APM and QEMU disagree).`,
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the built-in images with what they check",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tSCENARIOS\tWHAT IT CHECKS")
			for _, name := range images.Names() {
				info, _ := images.Describe(name)
				fmt.Fprintf(w, "%s\t%s\t%s\n", name, joinInts(info.Scenarios), info.Summary)
			}
			return w.Flush()
		},
	}
	var maxInsns uint64
	run := &cobra.Command{
		Use:   "run [NAME...]",
		Short: "Run built-in images (all by default) and compare them with their golden output",
		Long: `Run each named image (all of them by default) under L0 with default settings
and compare its exit status and COM1 output with the golden output. Prints one row
per image: result, world switches, guest instructions, wall time. Exits 1 if any
image fails.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			names := args
			if len(names) == 0 {
				names = images.Names()
			}
			failed := 0
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tRESULT\tSWITCHES\tINSNS\tTIME")
			for _, name := range names {
				res, detail := runScenario(cmd.Context(), name, maxInsns)
				if res != "PASS" {
					failed++
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%v\n", name, res, detail.Exits, detail.Insns, detail.wall.Round(time.Millisecond))
				if res != "PASS" && detail.why != "" {
					fmt.Fprintf(stderr, "%s: %s\n", name, detail.why)
				}
			}
			w.Flush()
			if failed > 0 {
				fmt.Fprintf(stdout, "%d of %d failed\n", failed, len(names))
				return exitError{status: 1}
			}
			fmt.Fprintf(stdout, "all %d passed\n", len(names))
			return nil
		},
	}
	run.Flags().Uint64Var(&maxInsns, "max-insns", 500_000_000, "stop an image after this many guest instructions")
	cmd.AddCommand(list, run)
	return cmd
}

// scenarioRun is what runScenario measured.
type scenarioRun struct {
	vmm.Result
	wall time.Duration
	why  string
}

// runScenario runs one built-in image and judges it against its golden
// output: "PASS", "FAIL", or "NO-GOLDEN".
func runScenario(ctx context.Context, name string, maxInsns uint64) (string, scenarioRun) {
	info, ok := images.Describe(name)
	if !ok {
		return "UNKNOWN", scenarioRun{why: "no such built-in image"}
	}
	img, _ := images.Lookup(name)
	var out bytes.Buffer
	vm, err := vmm.New(vmm.Config{MemSize: 128 << 20, MaxInsns: maxInsns, Console: &out})
	if err != nil {
		return "ERROR", scenarioRun{why: err.Error()}
	}
	if _, err := vm.Boot(img, name, "", nil); err != nil {
		return "ERROR", scenarioRun{why: err.Error()}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	r := vm.Run(ctx)
	sr := scenarioRun{Result: r, wall: time.Since(start)}
	if info.Expected == nil {
		sr.why = "no golden output"
		return "NO-GOLDEN", sr
	}
	want := fmt.Sprintf("status %d\n", r.Status) + out.String()
	if want != string(info.Expected) {
		first, _, _ := strings.Cut(string(info.Expected), "\n")
		sr.why = fmt.Sprintf("got status %d (%s), golden %q; output differs: %v", r.Status, r.Detail, first, want != string(info.Expected))
		return "FAIL", sr
	}
	return "PASS", sr
}

func joinInts(ns []int) string {
	if len(ns) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, n := range ns {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, n)
	}
	return b.String()
}
