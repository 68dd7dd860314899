;; Threat: call a function through the table with the wrong signature:
;; slot 0 holds $take3, which takes three i64 and returns one, called as
;; [] -> [i32]. Without the check the callee would read argument registers
;; and stack slots the caller never set (type confusion).
;; Expected: exit 134, stderr "airlock: trap: indirect_call_type_mismatch".
(module
  (type $v_i (func (result i32)))
  (type $lll_l (func (param i64 i64 i64) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) $take3)
  (func $take3 (type $lll_l)
    (i64.add (local.get 0) (i64.add (local.get 1) (local.get 2))))
  (func (export "_start")
    (drop (call_indirect (type $v_i) (i32.const 0)))))
