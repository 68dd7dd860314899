;; Threat: exhaust the host's native stack with loop-free recursion (each
;; call adds one to the result, so it is not a tail call the compiler could
;; turn into a loop). Without a stack check this would crash airlock with
;; SIGSEGV.
;; Expected: exit 134, stderr "airlock: trap: call_stack_exhausted".
(module
  (func $down (param i64) (result i64)
    (i64.add (call $down (i64.add (local.get 0) (i64.const 1)))
             (i64.const 1)))
  (func (export "_start")
    (drop (call $down (i64.const 0)))))
