package x86test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/govmm/govmm/x86"
)

// modes lists the decoding modes with their names and bit widths.
var modes = []struct {
	name string
	m    x86.Mode
	bits int
}{
	{"16", x86.Mode16, 16},
	{"32", x86.Mode32, 32},
	{"64", x86.Mode64, 64},
}

func modeName(m x86.Mode) string {
	switch m {
	case x86.Mode16:
		return "16"
	case x86.Mode32:
		return "32"
	case x86.Mode64:
		return "64"
	}
	return fmt.Sprintf("Mode(%d)", m)
}

// hx formats bytes as "66 e8 11 22".
func hx(b []byte) string {
	var s strings.Builder
	for i, c := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02x", c)
	}
	return s.String()
}

// unhex parses "66 e8 1122" (spaces ignored); it panics on bad input, which
// only comes from the tables in this package.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(fmt.Sprintf("bad hex %q: %v", s, err))
	}
	return b
}

// objdumpResult is what GNU objdump says about the first instruction of a
// byte string.
type objdumpResult struct {
	Len  int
	Text string // mnemonic and operands; "(bad)" for an invalid opcode
}

var (
	objdumpOnce sync.Once
	objdumpPath string
	// objdumpLine matches an instruction line of `objdump -D` output.
	objdumpLine = regexp.MustCompile(`(?m)^\s*[0-9a-f]+:\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$`)
)

// haveObjdump reports whether GNU objdump is installed.
func haveObjdump() bool {
	objdumpOnce.Do(func() {
		if p, err := exec.LookPath("objdump"); err == nil {
			objdumpPath = p
		}
	})
	return objdumpPath != ""
}

// objdumpDecode disassembles the first instruction of code with GNU objdump
// in its default (AMD64) interpretation. dir is a scratch directory.
func objdumpDecode(dir string, m x86.Mode, code []byte) (objdumpResult, error) {
	if !haveObjdump() {
		return objdumpResult{}, fmt.Errorf("objdump not installed")
	}
	f, err := os.CreateTemp(dir, "insn-*.bin")
	if err != nil {
		return objdumpResult{}, err
	}
	name := f.Name()
	defer os.Remove(name)
	if _, err := f.Write(code); err != nil {
		f.Close()
		return objdumpResult{}, err
	}
	if err := f.Close(); err != nil {
		return objdumpResult{}, err
	}
	args := []string{"-D", "-b", "binary", "--insn-width=16"}
	switch m {
	case x86.Mode16:
		args = append(args, "-m", "i8086")
	case x86.Mode32:
		args = append(args, "-m", "i386")
	default:
		args = append(args, "-m", "i386:x86-64")
	}
	args = append(args, filepath.Base(name))
	cmd := exec.Command(objdumpPath, args...)
	cmd.Dir = filepath.Dir(name)
	out, err := cmd.Output()
	if err != nil {
		return objdumpResult{}, fmt.Errorf("objdump %s: %v", hx(code), err)
	}
	// objdump prints prefixes the CPU ignores or cannot attach (a REX
	// before a legacy prefix, runs of 66) as pseudo-instructions of their
	// own; the CPU decodes them as part of the next instruction.
	var r objdumpResult
	var texts []string
	for _, sm := range objdumpLine.FindAllSubmatch(out, -1) {
		r.Len += len(bytes.Fields(sm[1]))
		text := strings.TrimSpace(string(sm[2]))
		texts = append(texts, text)
		if !objdumpPseudoPrefix(text) {
			break
		}
	}
	if len(texts) == 0 {
		return objdumpResult{}, fmt.Errorf("objdump %s: no instruction line in %q", hx(code), out)
	}
	r.Text = strings.Join(texts, " ")
	return r, nil
}

// objdumpPseudoPrefix reports whether an objdump line is only prefixes.
func objdumpPseudoPrefix(text string) bool {
	f := strings.Fields(text)
	if len(f) == 0 {
		return false
	}
	for _, w := range f {
		if !pseudoPrefixText[w] && !strings.HasPrefix(w, "rex") && w != "repz" && w != "repnz" {
			return false
		}
	}
	return true
}
