#!/bin/sh
# Rebuild the raw JIT images in this directory from src/*.c on a live kernel
# (root, BPF JIT on).  Each program is loaded and pinned with bpftool, its
# JITed bytes are written by dump_jited.py (Debian's bpftool, built without
# libbfd, refuses "prog dump jited ... file"), then the pin is removed so
# nothing stays loaded.  images.json records flen/proglen per image.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
arch=$(uname -m)
for src in "$here"/src/*.c; do
	name=$(basename "$src" .c)
	clang-19 -O2 -g -target bpf -mcpu=v3 -I/usr/include/"$arch"-linux-gnu -c "$src" -o "$build/$name.o"
	pin=/sys/fs/bpf/bpfdoctor_jit_$name
	bpftool prog load "$build/$name.o" "$pin"
	meta=$(python3 "$here/dump_jited.py" "$pin" "$here/$name.$arch.bin") || { rm -f "$pin"; exit 1; }
	rm -f "$pin"
	echo "\"$name.$arch.bin\": $meta" >> "$build/meta"
	echo "$name: $meta"
done
{ echo "{"; sed '$!s/$/,/' "$build/meta"; echo "}"; } > "$here/images.json"
