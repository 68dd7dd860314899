#!/usr/bin/env python3
"""Generates 25_deep_nesting.wat: 20,000 nested blocks (too big to keep in
the source tree as text)."""
import sys

DEPTH = 20000
HEADER = f"""\
;; Threat: {DEPTH:,} nested blocks, to overflow a recursive validator,
;; translator or C compiler (each level is a nested scope in the generated
;; code) and crash airlock or its compile helper.
;; The innermost block branches straight out of all of them (br {DEPTH - 1});
;; after each inner `end` the local $n is incremented, which the branch
;; must skip: $n stays {DEPTH}, else the module traps with "unreachable".
;; Expected: it compiles and runs: exit 0, stdout
;;   out of {DEPTH} nested blocks
"""

out = [HEADER, "(module\n"]
out.append('  (import "wasi_snapshot_preview1" "fd_write"\n'
           '    (func $fd_write (param i32 i32 i32 i32) (result i32)))\n')
out.append('  (memory (export "memory") 1)\n')
text = f"out of {DEPTH} nested blocks\\n"
out.append(f'  (data (i32.const 16) "{text}")\n')
out.append('  (func (export "_start") (local $n i32)\n')
# Flat (block ... end) syntax: wat2wasm parses folded expressions
# recursively and would itself run out of stack at this depth.
out.append("    block\n" * DEPTH)
out.append(f"    i32.const {DEPTH}\n    local.set $n\n")
out.append(f"    br {DEPTH - 1}\n")
# Counting code after each inner `end`: skipped by the branch.
out.append("    end\n    local.get $n\n    i32.const 1\n    i32.add\n"
           "    local.set $n\n" * (DEPTH - 1))
out.append("    end\n")
out.append(f"    (if (i32.ne (local.get $n) (i32.const {DEPTH}))"
           " (then unreachable))\n")
out.append("    (i32.store (i32.const 0) (i32.const 16))\n")
out.append(f"    (i32.store (i32.const 4) (i32.const {len(text) - 1}))\n")
out.append("    (drop (call $fd_write (i32.const 1) (i32.const 0)"
           " (i32.const 1) (i32.const 8)))))\n")
with open(sys.argv[1], "w") as f:
    f.write("".join(out))
