// Package images holds govmm's guest images: small Multiboot kernels built
// from the sources beside them and embedded, so that `govmm run NAME` needs
// no toolchain. build.sh rebuilds them.
package images

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed */*.elf
var built embed.FS

// Lookup returns the embedded image called name (e.g. "hello").
func Lookup(name string) ([]byte, bool) {
	if strings.ContainsAny(name, "/\\.") {
		return nil, false
	}
	b, err := built.ReadFile(path.Join(name, name+".elf"))
	if err != nil {
		return nil, false
	}
	return b, true
}

// Names lists the embedded images, sorted.
func Names() []string {
	var names []string
	matches, _ := fs.Glob(built, "*/*.elf")
	for _, m := range matches {
		names = append(names, path.Dir(m))
	}
	sort.Strings(names)
	return names
}
