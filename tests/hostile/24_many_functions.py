#!/usr/bin/env python3
"""Generates 24_many_functions.wat: 50,000 functions (too big to keep in the
source tree as text). Usage: 24_many_functions.py OUT.wat [COUNT]"""
import sys

N = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
HEADER = f"""\
;; Threat: a module with {N:,} functions, to blow up compile time, the size
;; of the generated code or the function tables of the engine.
;; Each $fN returns N; _start calls every one of them directly and checks
;; the sum (0 + 1 + ... + {N - 1} = {N * (N - 1) // 2}).
;; Expected: it compiles and runs: exit 0, stdout
;;   {N} functions called, sum {N * (N - 1) // 2}
;; (or the trap "unreachable" if a call returned the wrong value).
"""

out = [HEADER, "(module\n"]
out.append('  (import "wasi_snapshot_preview1" "fd_write"\n'
           '    (func $fd_write (param i32 i32 i32 i32) (result i32)))\n')
out.append('  (memory (export "memory") 1)\n')
text = f"{N} functions called, sum {N * (N - 1) // 2}\\n"
length = len(text) - 1  # "\\n" is one byte
out.append(f'  (data (i32.const 16) "{text}")\n')
for i in range(N):
    out.append(f"  (func $f{i} (result i32) (i32.const {i}))\n")
out.append("  (func (export \"_start\") (local $sum i32)\n")
for i in range(N):
    out.append(f"    (local.set $sum (i32.add (local.get $sum)"
               f" (call $f{i})))\n")
out.append(f"    (if (i32.ne (local.get $sum) (i32.const {N * (N - 1) // 2}))\n"
           "      (then unreachable))\n")
out.append("    (i32.store (i32.const 0) (i32.const 16))\n")
out.append(f"    (i32.store (i32.const 4) (i32.const {length}))\n")
out.append("    (drop (call $fd_write (i32.const 1) (i32.const 0)"
           " (i32.const 1) (i32.const 8)))))\n")
with open(sys.argv[1], "w") as f:
    f.write("".join(out))
