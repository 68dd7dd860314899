;; Threat: INT32_MIN / -1, the one signed division whose result does not
;; fit; x86-64 raises SIGFPE for it, like a division by zero.
;; Expected: exit 134, stderr "airlock: trap: integer_overflow".
(module
  (memory 1)
  (data (i32.const 0) "\00\00\00\80\ff\ff\ff\ff")
  (func (export "_start")
    (drop (i32.div_s (i32.load (i32.const 0)) (i32.load (i32.const 4))))))
