package images

import (
	"embed"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
)

//go:embed */*.S */*.c */*.expected */build.conf
var sources embed.FS

// Info describes a built-in image for catalogs.
type Info struct {
	Name string
	// Summary is the first sentence of the header comment of the image's
	// main source file ("NAME: summary. ...").
	Summary string
	// Scenarios are the numbers of the reference catalogue scenarios
	// (nsvm-behaviours.md §7) the image covers, from a "Scenarios:" line in
	// the header comment.
	Scenarios []int
	// Expected is the golden output (first line "status N", then COM1),
	// if the image has one.
	Expected []byte
}

var (
	headerComment = regexp.MustCompile(`(?s)^\s*/\*(.*?)\*/`)
	scenarioLine  = regexp.MustCompile(`(?m)^\s*\*?\s*Scenarios?:\s*([0-9 ,\-]+)`)
)

// Describe returns the catalog entry of image name.
func Describe(name string) (Info, bool) {
	if _, ok := Lookup(name); !ok {
		return Info{}, false
	}
	info := Info{Name: name}
	info.Expected, _ = sources.ReadFile(path.Join(name, name+".expected"))
	src, err := sources.ReadFile(path.Join(name, name+".S"))
	if err != nil {
		src, err = sources.ReadFile(path.Join(name, name+".c"))
	}
	if err != nil {
		src, err = firstCSource(name)
	}
	if err != nil {
		return info, true
	}
	m := headerComment.FindSubmatch(src)
	if m == nil {
		return info, true
	}
	text := strings.Join(strings.Fields(strings.ReplaceAll(string(m[1]), "\n *", "\n")), " ")
	text = strings.TrimPrefix(text, name+":")
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i+1]
	}
	info.Summary = strings.TrimSpace(text)
	if s := scenarioLine.FindSubmatch(m[1]); s != nil {
		info.Scenarios = parseNumbers(string(s[1]))
	}
	return info, true
}

// parseNumbers parses "1, 3-5, 9" into [1 3 4 5 9].
func parseNumbers(s string) []int {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		lo, hi, found := strings.Cut(f, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if found {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || b < a || b-a > 100 {
			continue
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out
}

// firstCSource reads the first file of a C image's SRCS (build.conf).
func firstCSource(name string) ([]byte, error) {
	conf, err := sources.ReadFile(path.Join(name, "build.conf"))
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`SRCS="?([^"\s]+)`).FindSubmatch(conf)
	if m == nil {
		return nil, fs.ErrNotExist
	}
	return sources.ReadFile(path.Join(name, string(m[1])))
}
