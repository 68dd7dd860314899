#!/usr/bin/env python3
"""Generates 04_data_segment_over_cap.wat (a 1 MiB data segment is too big to
keep in the source tree as text)."""
import sys

HEADER = """\
;; Threat: a data segment larger than the memory cap: 1 MiB + 1 byte of data,
;; in a memory declared just large enough to hold it (17 pages). The module
;; is valid; it just needs more memory than --max-memory 1MiB allows.
;; Expected: refused before any guest code runs: exit 126, stderr
;;   airlock: error: MODULE: memory of 17 pages (1.1 MiB) exceeds the memory
;;   cap of 1 MiB
;; (one line). Under the default cap it runs and exits 0.
"""

with open(sys.argv[1], "w") as out:
    out.write(HEADER)
    out.write("(module\n  (memory (export \"memory\") 17)\n")
    out.write("  (data (i32.const 0) \"" + "A" * (1024 * 1024 + 1) + "\")\n")
    out.write("  (func (export \"_start\")))\n")
