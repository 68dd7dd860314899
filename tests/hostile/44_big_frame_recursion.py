#!/usr/bin/env python3
"""Generates 44_big_frame_recursion.wat (9,000 locals, each used twice)."""
import sys

LOCALS = 9000  # v128: 16 bytes each, 140 KiB of live values per frame
HEADER = f"""\
;; Threat: recursion whose every frame is bigger than the stack the host
;; keeps free below the guest's stack limit (128 KiB in sandbox/runtime):
;; {LOCALS:,} v128 locals, all loaded before the recursive call and all used
;; after it, so the C compiler must keep {LOCALS * 16 // 1024} KiB of them in
;; the native frame. A stack check made once at function entry passes while
;; the frame still starts above the limit, and the frame then runs past the
;; end of the native stack: SIGSEGV in airlock, or on a thread with a small
;; guard page, writes into whatever mapping lies below (a stack clash).
;; Expected: exit 134, stderr "airlock: trap: call_stack_exhausted".
;; (Compiling it takes tens of seconds: the C compiler's time grows with
;; the number of live values.)
"""

with open(sys.argv[1], "w") as out:
    out.write(HEADER)
    out.write("(module\n  (memory 8)\n")
    out.write("  (func $deep (param $d i32) (result i64)\n")
    out.write("    (local " + " ".join(["v128"] * LOCALS) + ")\n")
    for i in range(LOCALS):
        out.write(f"    (local.set {i + 1} (v128.load offset={i * 16 % 400000}"
                  " (local.get $d)))\n")
    out.write("    (drop (call $deep (i32.and (i32.add (local.get $d)"
              " (i32.const 16)) (i32.const 1023))))\n")
    for i in range(1, LOCALS):
        out.write(f"    (local.set 1 (i64x2.add (local.get 1)"
                  f" (local.get {i + 1})))\n")
    out.write("    (i64x2.extract_lane 0 (local.get 1)))\n")
    out.write("  (func (export \"_start\")\n"
              "    (drop (call $deep (i32.const 0)))))\n")
