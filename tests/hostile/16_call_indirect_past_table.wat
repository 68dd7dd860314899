;; Threat: call_indirect with an index far past the end of the table (a
;; table of 2 slots, index 1000000, then 0xffffffff): an engine that skipped
;; the bounds check would load a function pointer from host memory and jump
;; to it.
;; Expected: exit 134, stderr "airlock: trap: undefined_table_element" (the
;; spec's "undefined element" for call_indirect past the table). The index
;; comes from memory, so the compiler cannot see it.
(module
  (type $v_v (func))
  (memory 1)
  (data (i32.const 0) "\40\42\0f\00")  ;; 1000000
  (table 2 funcref)
  (elem (i32.const 0) $nop $nop)
  (func $nop)
  (func (export "_start")
    (call_indirect (type $v_v) (i32.load (i32.const 0)))
    (call_indirect (type $v_v) (i32.const -1))))
