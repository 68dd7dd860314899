;; Threat: integer division by zero, which on x86-64 raises SIGFPE in the
;; host (and is undefined behaviour in the C the module is compiled to).
;; The divisor is loaded from memory so no compiler can fold it.
;; Expected: exit 134, stderr "airlock: trap: integer_divide_by_zero".
(module
  (memory 1)
  (func (export "_start")
    (drop (i64.rem_u (i64.const 7) (i64.load (i32.const 8))))))
