package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/govmm/govmm/vmm/kvm"
)

func TestProbeCmd(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := newProbeCmd(&stdout, &stderr)
	cmd.SetArgs(nil)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as under the root command
	err := cmd.Execute()
	avail := kvm.Available()
	var ee exitError
	switch {
	case avail == nil && err != nil:
		t.Fatalf("kvm available, but probe failed: %v", err)
	case avail != nil && (!errors.As(err, &ee) || ee.status != 1):
		t.Fatalf("kvm unavailable (%v), but probe returned %v; want exit status 1", avail, err)
	}
	out := stdout.String()
	for _, want := range []string{"host CPU:", "KVM device:", "kvm backend:"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q:\n%s", want, out)
		}
	}
	if avail != nil && !strings.Contains(out, avail.Error()) {
		t.Errorf("probe output does not give the reason %q:\n%s", avail, out)
	}
	t.Logf("govmm probe:\n%s", out)
}
