;; Threat: one instruction that does a lot of work: memory.fill of 64 MiB
;; (and then memory.copy of the same) under --fuel 100_000. If bulk
;; operations were charged one unit per instruction, a guest could do
;; unbounded work on a tiny budget by repeating them.
;; Expected: exit 134, stderr "airlock: trap: out_of_fuel" (the fill costs
;; more than the budget; cli.md: "plus charges for bulk memory operations").
(module
  (memory 1024)
  (func (export "_start") (local $i i32)
    (loop $again
      (memory.fill (i32.const 0) (i32.const 0x41) (i32.const 0x4000000))
      (memory.copy (i32.const 0) (i32.const 0x2000000) (i32.const 0x2000000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 1000))))))
