;; Threat: convert NaN to an integer (i32.trunc_f64_s), which x86-64 does
;; not trap on (it yields 0x80000000) and C leaves undefined.
;; The NaN comes from memory (0/0 computed at run time).
;; Expected: exit 134, stderr "airlock: trap: invalid_conversion_to_integer".
(module
  (memory 1)
  (func (export "_start")
    (drop (i32.trunc_f64_s
      (f64.div (f64.load (i32.const 0)) (f64.load (i32.const 8)))))))
