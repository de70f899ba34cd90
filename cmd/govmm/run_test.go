package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{"128M", 128 << 20, false},
		{"2G", 2 << 30, false},
		{"64k", 64 << 10, false},
		{"1048576", 1 << 20, false},
		{"16MB", 16 << 20, false},
		{"", 0, true},
		{"0", 0, true},
		{"-1M", 0, true},
		{"12X", 0, true},
		{"99999999999999999G", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSplitInitrd(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a arg1,b", []string{"a arg1", "b"}},
		{"a,,b,c", []string{"a,b", "c"}},
	}
	for _, tt := range tests {
		got := splitInitrd(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitInitrd(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExecute(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.bin")
	if err := os.WriteFile(junk, []byte("not a kernel"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		status int
		stdout string
		stderr string
	}{
		{"hello", []string{"run", "hello"}, 1, "hello from govmm\n", ""},
		{"missing file", []string{"run", filepath.Join(dir, "nope.elf")}, 2, "", "no such file"},
		{"unknown builtin", []string{"run", "nope"}, 2, "", "no built-in image"},
		{"not multiboot", []string{"run", junk}, 2, "", "no Multiboot header"},
		{"mem too small", []string{"run", "hello", "--mem", "1M"}, 2, "", "too small"},
		{"bad mem", []string{"run", "hello", "--mem", "lots"}, 2, "", "--mem"},
		{"missing module", []string{"run", "hello", "--initrd", filepath.Join(dir, "m.txt")}, 2, "", "module"},
		{"no image", []string{"run"}, 2, "", "accepts 1 arg"},
		{"bad flag", []string{"run", "hello", "--bogus"}, 2, "", "unknown flag"},
		{"bad soft-int", []string{"run", "hello", "--soft-int", "maybe"}, 2, "", "--soft-int"},
		{"bad mmu-zap", []string{"run", "hello", "--mmu-zap", "every:0"}, 2, "", "--mmu-zap"},
		{"no L0", []string{"run", "hello", "--no-l0"}, 1, "hello from govmm\n", ""},
		{"trace", []string{"run", "hello", "--trace", "exits"}, 1, "hello from govmm\n", "VMEXIT_EXCP14"},
		{"bad trace", []string{"run", "hello", "--trace", "verbose"}, 2, "", "--trace"},
		{"bad trace format", []string{"run", "hello", "--trace-out", filepath.Join(dir, "t.json"), "--trace-format", "xml"}, 2, "", "--trace-format"},
		{"kvm backend without /dev/kvm", []string{"run", "hello", "--backend", "kvm"}, 2, "", "--backend kvm"},
		{"kvm backend with emu-only flags", []string{"run", "hello", "--backend", "kvm", "--max-insns", "5"}, 2, "", "emu backend"},
		{"auto falls back to emu", []string{"run", "hello", "--backend", "auto"}, 1, "hello from govmm\n", "backend emu"},
		{"bad backend", []string{"run", "hello", "--backend", "xen"}, 2, "", "--backend"},
		{"bad svm features", []string{"run", "hello", "--svm-features", "qemu-max,+AVIC"}, 2, "", "not implemented"},
		{"svm features", []string{"run", "hello", "--svm-features", "qemu-max,+NRIPS"}, 1, "hello from govmm\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			status := execute(tt.args, &out, &errb)
			if status != tt.status {
				t.Fatalf("status %d, want %d (stderr %q)", status, tt.status, errb.String())
			}
			if out.String() != tt.stdout {
				t.Fatalf("stdout %q, want %q", out.String(), tt.stdout)
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Fatalf("stderr %q, want it to contain %q", errb.String(), tt.stderr)
			}
		})
	}
}

func TestHelpListsExitStatuses(t *testing.T) {
	var out bytes.Buffer
	if status := execute([]string{"run", "--help"}, &out, &out); status != 0 {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{"(v<<1)|1", "triple fault", "--max-insns", "--initrd", "hello"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestTraceOut(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"jsonl", "perfetto", "text"} {
		path := filepath.Join(dir, "trace."+format)
		var out, errb bytes.Buffer
		if status := execute([]string{"run", "hello", "--trace-out", path, "--trace-format", format}, &out, &errb); status != 1 {
			t.Fatalf("%s: status %d (%s)", format, status, errb.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "VMEXIT_EXCP14") {
			t.Fatalf("%s trace lacks the shadow #PF exit:\n%s", format, b)
		}
		if format != "text" && !json.Valid([]byte(strings.SplitN(string(b), "\n", 2)[0])) {
			t.Fatalf("%s trace is not JSON", format)
		}
	}
}

func TestSeedScenarioImage(t *testing.T) {
	// The seed image under --mmu-zap=exit: re-injection passes; the old
	// retry behaviour shows the spurious #DB (exit value 1 → status 3).
	tests := []struct {
		softInt string
		status  int
		db      string
	}{
		{"reinject", 1, "#DB handler ran 00000000 PASS"},
		{"retry", 3, "#DB handler ran 00000001 FAIL"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		status := execute([]string{"run", "seed", "--mmu-zap", "exit", "--soft-int", tt.softInt, "--trace", "events"}, &out, &errb)
		if status != tt.status || !strings.Contains(out.String(), tt.db) {
			t.Fatalf("%s: status %d, output:\n%s", tt.softInt, status, out.String())
		}
		if !strings.Contains(errb.String(), "exitintinfo=[EXCP vec=0x3]") {
			t.Fatalf("%s: no exit while vectoring the #BP in the trace:\n%s", tt.softInt, errb.String())
		}
		if tt.softInt == "reinject" && !strings.Contains(errb.String(), "+reinject") {
			t.Fatalf("no re-injection in the trace:\n%s", errb.String())
		}
	}
}

func TestScenariosCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if status := execute([]string{"scenarios", "list"}, &out, &errb); status != 0 {
		t.Fatalf("list: status %d %s", status, errb.String())
	}
	if !strings.Contains(out.String(), "seed") || !strings.Contains(out.String(), "hello") {
		t.Fatalf("list:\n%s", out.String())
	}
	out.Reset()
	if status := execute([]string{"scenarios", "run", "hello", "seed", "isa_stack"}, &out, &errb); status != 0 {
		t.Fatalf("run: status %d\n%s\n%s", status, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "all 3 passed") || strings.Count(out.String(), "PASS") != 3 {
		t.Fatalf("run:\n%s", out.String())
	}
	out.Reset()
	if status := execute([]string{"scenarios", "run", "nope"}, &out, &errb); status != 1 {
		t.Fatalf("unknown image: status %d", status)
	}
}
