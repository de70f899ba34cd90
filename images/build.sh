#!/bin/sh
# Builds the guest images from source with the Debian toolchain (binutils,
# and gcc for the C kernels).
# Usage: images/build.sh [OUTDIR]   (default: each image's own directory)
# The built ELFs are committed and embedded, so running govmm needs no
# toolchain; images_test.go rebuilds them into a temporary directory and
# checks the committed ones are what the sources produce.
#
# Every directory images/NAME/ except lib/ is one image, NAME.elf:
#   - an assembly image has NAME.S (it may .include files from lib/);
#   - a C image has a build.conf, a shell fragment setting
#       ARCH=32|64   32: gcc -m32 with lib/start32.S;
#                    64: gcc -m64 with lib/start64.S (which enters long
#                        mode), linked as ELF64 and converted to ELF32 as
#                        qemu -kernel wants;
#       SRCS="..."   C sources, relative to the image directory;
#     lib/c/rt.c (console, printf subset, exit) is always linked in.
# Builds are reproducible: fixed relative file names, no build id, no
# .comment, no debug info, no temporary paths.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-}

ASFLAGS="-I ../lib"
CFLAGS="-O2 -std=gnu11 -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
 -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
 -fno-ident -mgeneral-regs-only -mno-red-zone -nostdlib -fno-builtin \
 -fno-tree-loop-distribute-patterns -ffile-prefix-map=$here/= -I ../lib/c"

build_asm() { # dir name tmp
	# Assemble from inside the source directory with fixed file names, so
	# that no temporary path ends up in the symbol table.
	(cd "$1" && as --32 $ASFLAGS -o "$3/$2.o" "$2.S")
	(cd "$3" && ld -m elf_i386 --build-id=none --no-warn-rwx-segments -n -T "$here/link.ld" -o "$2.elf" "$2.o")
}

build_c() { # dir name tmp
	ARCH=32
	SRCS=
	. "$1/build.conf"
	case $ARCH in
	32) asarch=--32 ccarch=-m32 ldarch=elf_i386 ;;
	64) asarch=--64 ccarch=-m64 ldarch=elf_x86_64 ;;
	*) echo "$1/build.conf: ARCH must be 32 or 64" >&2; exit 1 ;;
	esac
	objs=
	(cd "$1" && as $asarch $ASFLAGS -o "$3/start.o" "../lib/start$ARCH.S")
	i=0
	for src in $SRCS ../lib/c/rt.c; do
		i=$((i + 1))
		(cd "$1" && gcc $ccarch $CFLAGS -c -o "$3/c$i.o" "$src")
		objs="$objs c$i.o"
	done
	(cd "$3" && ld -m $ldarch --build-id=none --no-warn-rwx-segments -n -T "$here/link.ld" -o "$2.full" start.o $objs)
	if [ "$ARCH" = 64 ]; then
		objcopy -O elf32-i386 "$3/$2.full" "$3/$2.elf"
	else
		mv "$3/$2.full" "$3/$2.elf"
	fi
}

for dir in "$here"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	[ "$name" = lib ] && continue
	dest=${out:-$dir}
	tmp=$(mktemp -d)
	if [ -f "$dir/$name.S" ]; then
		build_asm "$dir" "$name" "$tmp"
	elif [ -f "$dir/build.conf" ]; then
		if ! command -v gcc >/dev/null; then
			echo "build.sh: gcc not installed: skipping C image $name" >&2
			rm -rf "$tmp"
			continue
		fi
		build_c "$dir" "$name" "$tmp"
	else
		rm -rf "$tmp"
		continue
	fi
	mkdir -p "$dest"
	mv "$tmp/$name.elf" "$dest/$name.elf"
	rm -rf "$tmp"
done
