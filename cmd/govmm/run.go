package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/govmm/govmm/images"
	"github.com/govmm/govmm/nsvm"
	"github.com/govmm/govmm/trace"
	"github.com/govmm/govmm/vmm"
	"github.com/govmm/govmm/vmm/kvm"
	"github.com/govmm/govmm/x86"
	"github.com/spf13/cobra"
)

// runOptions are the flags of `govmm run`.
type runOptions struct {
	appendText string
	initrd     string
	mem        string
	maxInsns   uint64
	timeout    time.Duration
	svmSpec    string
	softInt    string
	mmuZap     string
	trace      string
	traceOut   string
	traceFmt   string
	noL0       bool
	backend    string
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run IMAGE",
		Short: "Boot a Multiboot kernel (a file, or the name of a built-in image)",
		Long: `Boot IMAGE as qemu-system-x86_64 -kernel IMAGE would: a Multiboot v1 kernel
(ELF32, or any ELF/binary whose Multiboot header has the address fields),
entered in 32-bit flat protected mode with paging off. COM1 goes to stdout.

IMAGE is a path, or the name of an image built into govmm (govmm scenarios
list shows them).

Exit status:
  (v<<1)|1  the guest wrote v to isa-debug-exit (port 0xf4), as under QEMU
  0         triple fault (as QEMU with -no-reboot)
  2         govmm could not start the VM (bad image, bad flags)
  4         the guest halted with nothing left to wake it
  6         the guest used a feature govmm does not model
  8         --max-insns or --timeout reached`,
		Example: `  govmm run hello
  govmm run kernel.elf --append "verbose" --initrd env.txt --mem 256M`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImage(cmd.Context(), args[0], o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.appendText, "append", "", "kernel command line (the kernel sees \"IMAGE CMDLINE\")")
	f.StringVar(&o.initrd, "initrd", "", "comma-separated Multiboot modules: \"FILE[ ARGS][,FILE...]\" (\",,\" escapes a comma)")
	f.StringVar(&o.mem, "mem", "128M", "guest RAM size, with suffix K, M or G")
	f.Uint64Var(&o.maxInsns, "max-insns", 0, "stop after this many guest instructions (0: no limit)")
	f.DurationVar(&o.timeout, "timeout", 0, "stop after this much wall-clock time (0: no limit)")
	f.StringVar(&o.softInt, "soft-int", "reinject", "how L0 completes INT3/INTO/INTn interrupted by an exit: reinject (KVM since 2022) or retry (old KVM: re-execute the instruction)")
	f.StringVar(&o.mmuZap, "mmu-zap", "never", "when L0 drops its shadow page tables: never, exit (after every non-fill exit) or every:N")
	f.StringVar(&o.trace, "trace", "", "trace to stderr as text: exits (every world switch), events (only those where L0 injected, re-injected or reflected an event), all")
	f.StringVar(&o.traceOut, "trace-out", "", "write every world switch to FILE (see --trace-format)")
	f.StringVar(&o.traceFmt, "trace-format", "jsonl", "format of --trace-out: jsonl (one JSON record per line), text, or perfetto (Chrome/Perfetto trace-event JSON: L0, L1 and L2 as tracks on the instruction axis)")
	f.StringVar(&o.backend, "backend", "emu", "emu (govmm's software CPU and L0), kvm (/dev/kvm with the host's nested SVM; no instruction counts, traces or L0 knobs), or auto (kvm when usable and no emu-only flag is set, else emu; says which)")
	f.BoolVar(&o.noL0, "no-l0", false, "run the guest directly on the CPU, without L0 (no shadow paging, no SVM interception)")
	f.StringVar(&o.svmSpec, "svm-features", "default", "SVM features the CPU exposes: default, qemu-max or none, then +NAME/-NAME changes (e.g. qemu-max,+NRIPS)")
	return cmd
}

// parseSize parses sizes like 128M, 2G, 65536K or 1048576.
func parseSize(s string) (uint64, error) {
	mult := uint64(1)
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "B")
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, t[:len(t)-1]
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, t[:len(t)-1]
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("invalid size %q: want a positive number with an optional K, M or G suffix", s)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// splitInitrd splits an -initrd list as QEMU does: items separated by ",",
// with ",," standing for a literal comma.
func splitInitrd(s string) []string {
	if s == "" {
		return nil
	}
	var items []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			if i+1 < len(s) && s[i+1] == ',' {
				cur.WriteByte(',')
				i++
				continue
			}
			items = append(items, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(s[i])
	}
	return append(items, cur.String())
}

// loadModules reads the -initrd files. Each item's text before the first
// space is the file; the whole item is the module's string.
func loadModules(list string) ([]vmm.Module, error) {
	var mods []vmm.Module
	for _, item := range splitInitrd(list) {
		file, _, _ := strings.Cut(item, " ")
		if file == "" {
			return nil, fmt.Errorf("empty module name in --initrd %q", list)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("module: %w", err)
		}
		mods = append(mods, vmm.Module{String: item, Data: data})
	}
	return mods, nil
}

// readImage reads IMAGE from a file or, when no such file exists and the
// name is a built-in image's, from the embedded images.
func readImage(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err == nil {
		return data, nil
	}
	if b, ok := images.Lookup(name); ok && os.IsNotExist(err) {
		return b, nil
	}
	if os.IsNotExist(err) && !strings.ContainsAny(name, "/.") {
		return nil, fmt.Errorf("image %q: no such file and no built-in image of that name (built-in: %s)", name, strings.Join(images.Names(), ", "))
	}
	return nil, fmt.Errorf("image: %w", err)
}

func runImage(ctx context.Context, name string, o runOptions, stdout, stderr io.Writer) error {
	mem, err := parseSize(o.mem)
	if err != nil {
		return fmt.Errorf("--mem: %w", err)
	}
	feats, err := x86.ParseSVMFeatures(o.svmSpec)
	if err != nil {
		return fmt.Errorf("--svm-features: %w", err)
	}
	cfg := vmm.Config{MemSize: mem, MaxInsns: o.maxInsns, Timeout: o.timeout, Console: stdout,
		SVMFeatures: feats, NoL0: o.noL0}
	switch o.softInt {
	case "reinject":
		cfg.SoftInt = nsvm.SoftIntReinject
	case "retry":
		cfg.SoftInt = nsvm.SoftIntRetry
	default:
		return fmt.Errorf("--soft-int: want reinject or retry, not %q", o.softInt)
	}
	if cfg.Zap, err = nsvm.ParseZapPolicy(o.mmuZap); err != nil {
		return fmt.Errorf("--mmu-zap: %w", err)
	}
	sinks, closeSinks, err := traceSinks(o, stderr)
	if err != nil {
		return err
	}
	defer closeSinks()
	if len(sinks) > 0 {
		cfg.Trace = func(r nsvm.Record) {
			for _, s := range sinks {
				s(r)
			}
		}
	}
	img, err := readImage(name)
	if err != nil {
		return err
	}
	mods, err := loadModules(o.initrd)
	if err != nil {
		return err
	}
	vm, closeVM, err := newMachine(o, cfg, stderr)
	if err != nil {
		return err
	}
	defer closeVM()
	if _, err := vm.Boot(img, name, o.appendText, mods); err != nil {
		return fmt.Errorf("loading %s: %w", filepath.Base(name), err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	res := vm.Run(ctx)
	if res.Outcome != vmm.OutcomeDebugExit {
		if res.Insns > 0 {
			fmt.Fprintf(stderr, "govmm: %s (%d instructions)\n", res.Detail, res.Insns)
		} else {
			fmt.Fprintf(stderr, "govmm: %s\n", res.Detail)
		}
	}
	if res.Status != 0 {
		return exitError{status: res.Status}
	}
	return nil
}

// traceSinks builds the record consumers --trace and --trace-out ask for.
// The returned function flushes and closes them.
func traceSinks(o runOptions, stderr io.Writer) ([]func(nsvm.Record), func(), error) {
	var sinks []func(nsvm.Record)
	var closers []func() error
	switch o.trace {
	case "":
	case "exits", "all":
		t := trace.NewText(stderr)
		sinks = append(sinks, t.Record)
	case "events":
		t := trace.NewText(stderr)
		sinks = append(sinks, func(r nsvm.Record) {
			if r.EventInj.Valid() || r.Action == nsvm.ActionInjected || r.Action == nsvm.ActionReflected || r.ExitIntInfo.Valid() {
				t.Record(r)
			}
		})
	default:
		return nil, nil, fmt.Errorf("--trace: want exits, events or all, not %q", o.trace)
	}
	if o.traceOut != "" {
		f, err := os.Create(o.traceOut)
		if err != nil {
			return nil, nil, fmt.Errorf("--trace-out: %w", err)
		}
		var s trace.Sink
		switch o.traceFmt {
		case "jsonl":
			s = trace.NewJSONL(f)
		case "text":
			s = trace.NewText(f)
		case "perfetto":
			s = trace.NewPerfetto(f)
		default:
			f.Close()
			return nil, nil, fmt.Errorf("--trace-format: want jsonl, text or perfetto, not %q", o.traceFmt)
		}
		sinks = append(sinks, s.Record)
		closers = append(closers, s.Close, f.Close)
	}
	return sinks, func() {
		for _, c := range closers {
			_ = c()
		}
	}, nil
}

// machine is a VM on one of the backends.
type machine interface {
	Boot(img []byte, name, appendText string, mods []vmm.Module) (vmm.BootInfo, error)
	Run(ctx context.Context) vmm.Result
}

// emuOnly names the flags set that only the emu backend honours.
func emuOnly(o runOptions) []string {
	var flags []string
	if o.maxInsns != 0 {
		flags = append(flags, "--max-insns")
	}
	if o.softInt != "reinject" {
		flags = append(flags, "--soft-int")
	}
	if o.mmuZap != "never" {
		flags = append(flags, "--mmu-zap")
	}
	if o.trace != "" || o.traceOut != "" {
		flags = append(flags, "--trace")
	}
	if o.noL0 {
		flags = append(flags, "--no-l0")
	}
	return flags
}

// newMachine creates the VM on the backend --backend selects.
func newMachine(o runOptions, cfg vmm.Config, stderr io.Writer) (machine, func(), error) {
	backend := o.backend
	switch backend {
	case "emu", "kvm":
	case "auto":
		backend = "emu"
		if err := kvm.Available(); err != nil {
			fmt.Fprintf(stderr, "govmm: backend emu (kvm: %v)\n", err)
		} else if flags := emuOnly(o); len(flags) > 0 {
			fmt.Fprintf(stderr, "govmm: backend emu (%s need it)\n", strings.Join(flags, ", "))
		} else {
			backend = "kvm"
			fmt.Fprintln(stderr, "govmm: backend kvm")
		}
	default:
		return nil, nil, fmt.Errorf("--backend: want emu, kvm or auto, not %q", o.backend)
	}
	if backend == "emu" {
		vm, err := vmm.New(cfg)
		return vm, func() {}, err
	}
	if flags := emuOnly(o); len(flags) > 0 {
		return nil, nil, fmt.Errorf("--backend kvm: %s work only on the emu backend", strings.Join(flags, ", "))
	}
	vm, err := kvm.New(kvm.Config{MemSize: cfg.MemSize, Timeout: cfg.Timeout, Console: cfg.Console, SVMFeatures: cfg.SVMFeatures})
	if err != nil {
		return nil, nil, fmt.Errorf("--backend kvm: %w", err)
	}
	if _, missing := vm.SVMFeatures(); missing != 0 {
		fmt.Fprintf(stderr, "govmm: host KVM does not offer SVM features %v; the guest will not see them\n", missing)
	}
	return vm, func() { _ = vm.Close() }, nil
}
