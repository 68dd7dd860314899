#!/usr/bin/env python3
"""Generates 34_bulk_ops_straight_line.wat (200 identical lines)."""
import sys

COUNT = 200
HEADER = f"""\
;; Threat: a lot of work with no loop and no call: {COUNT} memory.fill
;; instructions of 64 MiB each, one after the other in _start (12.5 GiB of
;; writes). Fuel and the timeout must still stop it: an engine that checks
;; fuel and its interrupt flag only at loop headers and function entries
;; never looks again once _start has begun, so the module runs to the end
;; whatever the budget (and a module of this kind can be made to run for
;; hours: {COUNT} is kept small here so the bug, while it lasts, costs the
;; test a second rather than an hour).
;; Expected: with --fuel 1000: exit 134, stderr "airlock: trap:
;; out_of_fuel" (the first fill alone costs more than 1000). With --timeout
;; 100ms: exit 134, stderr "airlock: trap: timeout". Never exit 0.
"""

with open(sys.argv[1], "w") as out:
    out.write(HEADER)
    out.write("(module\n  (memory 1024)\n  (func (export \"_start\")\n")
    for i in range(COUNT):
        out.write(f"    (memory.fill (i32.const 0) (i32.const {i % 256})"
                  " (i32.const 0x4000000))\n")
    out.write("))\n")
