package images

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImagesMatchSources rebuilds every image from source and checks the
// committed (embedded) ELF is byte-for-byte what the source produces. The
// C images need gcc (Debian 12's gcc 12, whose output the committed ELFs
// are); they are skipped without it.
func TestImagesMatchSources(t *testing.T) {
	for _, tool := range []string{"as", "ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian binutils): cannot rebuild images", tool)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("sh", "build.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, b)
	}
	names := Names()
	if len(names) == 0 {
		t.Fatal("no embedded images")
	}
	_, gccErr := exec.LookPath("gcc")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(name, "build.conf")); err == nil && gccErr != nil {
				t.Skip("gcc not installed: cannot rebuild this C image")
			}
			want, err := os.ReadFile(filepath.Join(out, name+".elf"))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := Lookup(name)
			if !bytes.Equal(got, want) {
				t.Fatalf("embedded %s.elf differs from a fresh build of its source: run images/build.sh", name)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	if _, ok := Lookup("hello"); !ok {
		t.Fatal("hello not found")
	}
	for _, bad := range []string{"", "nope", "../hello", "hello/hello.elf", "."} {
		if _, ok := Lookup(bad); ok {
			t.Errorf("Lookup(%q) succeeded", bad)
		}
	}
}

func TestDescribe(t *testing.T) {
	info, ok := Describe("seed")
	if !ok || !strings.Contains(info.Summary, "seed scenario") || !bytes.HasPrefix(info.Expected, []byte("status 1\n")) {
		t.Fatalf("seed: %+v", info)
	}
	for _, name := range Names() {
		if info, _ := Describe(name); info.Summary == "" {
			t.Errorf("%s has no summary in its header comment", name)
		}
	}
	if got := parseNumbers("1, 3-5,9 x 12-10"); len(got) != 5 || got[3] != 5 {
		t.Fatalf("parseNumbers = %v", got)
	}
}
