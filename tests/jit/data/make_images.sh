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
# Merge into images.json (other entries, e.g. the fixture images, stay).
python3 - "$here/images.json" "$build/meta" <<'PY'
import json, sys
path, new = sys.argv[1], sys.argv[2]
meta = json.load(open(path))
meta.update(json.loads("{" + ",".join(open(new).read().splitlines()) + "}"))
with open(path, "w") as f:
    f.write("{\n" + ",\n".join(f'"{k}": {json.dumps(v)}' for k, v in sorted(meta.items())) + "\n}\n")
PY
