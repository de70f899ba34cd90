// Package oracle checks govmm's CPU against a reference: it runs the guest
// images of package images under govmm and under QEMU TCG and compares
// their serial output and exit status with golden files.
//
// Each image NAME has a golden file images/NAME/NAME.expected holding the
// exit status and the exact serial output (see Golden). The goldens are
// QEMU's output, except where QEMU is known to deviate from the AMD APM:
// such lines are listed in deviations.txt (see Deviation) and the golden
// holds the APM's value. govmm must reproduce the golden exactly; QEMU must
// reproduce it once the listed deviations are applied, so the goldens cannot
// rot. Images the CPU cannot run yet are listed in pending.txt.
//
// The tests are in oracle_test.go; `go test ./oracle -run QEMU -update`
// rewrites the goldens from QEMU.
package oracle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/govmm/govmm/vmm"
	"github.com/govmm/govmm/x86"
)

// Golden is the expected result of running an image: the process exit
// status (as QEMU and govmm report it, (v<<1)|1 for isa-debug-exit) and
// the exact bytes written to COM1.
//
// On disk it is the line "status N" followed by the serial output.
type Golden struct {
	Status int
	Output string
}

const goldenPrefix = "status "

// ParseGolden parses a .expected file.
func ParseGolden(b []byte) (Golden, error) {
	first, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !bytes.HasPrefix(first, []byte(goldenPrefix)) {
		return Golden{}, errors.New(`golden file must start with a line "status N"`)
	}
	n, err := strconv.Atoi(string(first[len(goldenPrefix):]))
	if err != nil {
		return Golden{}, fmt.Errorf("golden status line %q: %v", first, err)
	}
	return Golden{Status: n, Output: string(rest)}, nil
}

// Marshal returns the on-disk form of g.
func (g Golden) Marshal() []byte {
	return []byte(fmt.Sprintf("%s%d\n%s", goldenPrefix, g.Status, g.Output))
}

// Deviation is one known difference between a reference emulator and the
// AMD APM: for image Image, where the APM (and so the golden file) has the
// line Want, the oracle prints Got instead.
type Deviation struct {
	Image  string // image name
	Oracle string // "qemu"
	Want   string // the APM's line, as in the golden file
	Got    string // what the oracle prints instead
	Reason string // why, with a reference (APM section, oracles.md entry)
	Line   int    // line of the entry in its file, for messages
}

// ParseDeviations parses a deviations file: entries are blocks of
// "key: value" lines (image, oracle, want, got, reason) separated by blank
// lines; lines starting with # are comments. Every key is required.
func ParseDeviations(b []byte) ([]Deviation, error) {
	var devs []Deviation
	var cur *Deviation
	flush := func() error {
		if cur == nil {
			return nil
		}
		d := *cur
		cur = nil
		switch {
		case d.Image == "" || d.Oracle == "" || d.Reason == "":
			return fmt.Errorf("line %d: deviation needs image, oracle and reason", d.Line)
		case d.Want == "" || d.Got == "":
			return fmt.Errorf("line %d: deviation needs want and got lines", d.Line)
		case d.Want == d.Got:
			return fmt.Errorf("line %d: want and got are the same line", d.Line)
		}
		devs = append(devs, d)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: want \"key: value\", got %q", ln, line)
		}
		val = strings.TrimPrefix(val, " ")
		if cur == nil {
			cur = &Deviation{Line: ln}
		}
		var field *string
		switch key {
		case "image":
			field = &cur.Image
		case "oracle":
			field = &cur.Oracle
		case "want":
			field = &cur.Want
		case "got":
			field = &cur.Got
		case "reason":
			field = &cur.Reason
		default:
			return nil, fmt.Errorf("line %d: unknown key %q", ln, key)
		}
		if *field != "" {
			return nil, fmt.Errorf("line %d: %s given twice in one entry", ln, key)
		}
		*field = val
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return devs, nil
}

// ApplyDeviations maps an oracle's output for image to what the APM says:
// every line equal to the Got of a deviation for that image and oracle is
// replaced by its Want. The comparison with a golden uses it, and so does
// -update, which turns QEMU's output into a golden the same way. It also
// returns the deviations for the image that matched no line (stale ones).
func ApplyDeviations(devs []Deviation, image, oracle, out string) (string, []Deviation) {
	used := make([]bool, len(devs))
	lines := strings.SplitAfter(out, "\n")
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		for j, d := range devs {
			if d.Image == image && d.Oracle == oracle && body == d.Got {
				lines[i] = d.Want + l[len(body):]
				used[j] = true
				break
			}
		}
	}
	var stale []Deviation
	for j, d := range devs {
		if d.Image == image && d.Oracle == oracle && !used[j] {
			stale = append(stale, d)
		}
	}
	return strings.Join(lines, ""), stale
}

// ApplyDeviationsResult is ApplyDeviations over a whole run, status line
// included: the run is put in golden form ("status N" then the output), so
// a deviation may also replace the status line. An image that checks
// itself exits non-zero when an APM check fails under the oracle; its
// golden holds the all-PASS status, and the oracle's status is listed as
// a deviation next to the FAIL lines that cause it.
func ApplyDeviationsResult(devs []Deviation, image, oracle string, r Result) (Result, []Deviation, error) {
	full, stale := ApplyDeviations(devs, image, oracle, string(Golden{Status: r.Status, Output: r.Output}.Marshal()))
	g, err := ParseGolden([]byte(full))
	if err != nil {
		return r, stale, fmt.Errorf("a deviation broke the status line: %v", err)
	}
	r.Status, r.Output = g.Status, g.Output
	return r, stale, nil
}

// ParsePending parses pending.txt: one image per line, its name, white
// space and the reason; # starts a comment line. It returns reasons by
// image name.
func ParsePending(b []byte) (map[string]string, error) {
	pending := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return nil, fmt.Errorf("line %d: %s has no reason", ln, name)
		}
		if _, dup := pending[name]; dup {
			return nil, fmt.Errorf("line %d: %s listed twice", ln, name)
		}
		pending[name] = reason
	}
	return pending, sc.Err()
}

// Diff describes how got differs from want: a unified-style hunk around the
// first differing line, with up to context lines before it and up to max
// differing lines from each side. It returns "" if they are equal.
func Diff(want, got string, context, max int) string {
	if want == got {
		return ""
	}
	w, g := splitLines(want), splitLines(got)
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (want %d lines, got %d)\n", i+1, lineCount(want), lineCount(got))
	fmt.Fprintf(&b, "@@ -%d +%d @@\n", i+1, i+1)
	for k := max0(i - context); k < i; k++ {
		b.WriteString(" " + show(w[k]))
	}
	for k := i; k < len(w) && k < i+max; k++ {
		b.WriteString("-" + show(w[k]))
	}
	for k := i; k < len(g) && k < i+max; k++ {
		b.WriteString("+" + show(g[k]))
	}
	return b.String()
}

// splitLines splits s after each newline; a final line without one is kept.
func splitLines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

func lineCount(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// show returns one line for a diff, marking a missing final newline.
func show(l string) string {
	if strings.HasSuffix(l, "\n") {
		return l
	}
	return l + "\n\\ no newline\n"
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// Result is how one run of an image ended.
type Result struct {
	Status int    // exit status, as in Golden
	Output string // COM1 output
	Detail string // one line for humans (govmm's outcome, QEMU's stderr)
	Insns  uint64 // instructions retired (govmm only)
}

// GovmmMemSize is the guest RAM of a govmm run: QEMU's -m 128.
const GovmmMemSize = 128 << 20

// RunGovmm boots img under govmm in-process, with the SVM features `govmm
// run` exposes by default, and runs it until it exits or has retired
// maxInsns instructions (0: no limit) or ctx is done.
func RunGovmm(ctx context.Context, img []byte, name string, maxInsns uint64) (Result, error) {
	return RunGovmmWith(ctx, img, name, vmm.Config{MaxInsns: maxInsns, SVMFeatures: x86.SVMFeaturesDefault})
}

// RunGovmmWith is RunGovmm with a VM configuration (L0 policies, SVM
// features, --no-l0); MemSize and Console are filled in.
func RunGovmmWith(ctx context.Context, img []byte, name string, cfg vmm.Config) (Result, error) {
	var out bytes.Buffer
	cfg.MemSize, cfg.Console = GovmmMemSize, &out
	vm, err := vmm.New(cfg)
	if err != nil {
		return Result{}, err
	}
	if _, err := vm.Boot(img, name, "", nil); err != nil {
		return Result{}, err
	}
	r := vm.Run(ctx)
	return Result{Status: r.Status, Output: out.String(), Detail: r.Outcome.String() + ": " + r.Detail, Insns: r.Insns}, nil
}

// QEMUArgs are the arguments that make qemu-system-x86_64 behave like
// govmm (reference/oracles.md); the kernel path follows "-kernel".
var QEMUArgs = []string{
	"-machine", "q35", "-cpu", "max", "-accel", "tcg", "-m", "128",
	"-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
	"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
}

// RunQEMU runs the Multiboot kernel at path under qemu (the path of
// qemu-system-x86_64), killing it after timeout.
func RunQEMU(ctx context.Context, qemu, path string, timeout time.Duration) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := append(append([]string(nil), QEMUArgs...), "-kernel", path)
	cmd := exec.CommandContext(ctx, qemu, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &stderr
	cmd.Stdin = nil
	err := cmd.Run()
	if ctx.Err() != nil {
		return Result{}, fmt.Errorf("qemu did not finish within %v: %s", timeout, stderr.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return Result{}, err
	}
	return Result{Status: cmd.ProcessState.ExitCode(), Output: out.String(), Detail: strings.TrimSpace(stderr.String())}, nil
}
