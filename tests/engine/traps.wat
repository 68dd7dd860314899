;; One export per trap kind (and a few well-behaved functions), for
;; engine_test.cc. Each trapping function documents the trap it must raise.
(module
  (type $i_i (func (param i32) (result i32)))
  (type $v_v (func))
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (elem (i32.const 0) $id)
  (func $id (type $i_i) (local.get 0))
  ;; unreachable
  (func (export "unreachable") unreachable)
  ;; memory_out_of_bounds: just past the end of the one page
  (func (export "oob_load") (result i32) (i32.load (i32.const 65535)))
  (func (export "oob_store_far") (i32.store offset=4294967295 (i32.const 4294967295) (i32.const 1)))
  ;; integer_divide_by_zero / integer_overflow
  (func (export "div_zero") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "div_overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  ;; invalid_conversion_to_integer (NaN) and integer_overflow (too large)
  (func (export "trunc_nan") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "trunc_big") (result i32) (i32.trunc_f64_s (f64.const 1e10)))
  ;; indirect_call_type_mismatch: slot 0 holds $id ([i32]->[i32])
  (func (export "sig_mismatch") (call_indirect (type $v_v) (i32.const 0)))
  ;; undefined_table_element: slot 1 is null, slot 5 out of the table
  (func (export "null_slot") (call_indirect (type $v_v) (i32.const 1)))
  (func (export "past_table") (call_indirect (type $v_v) (i32.const 5)))
  ;; table_out_of_bounds
  (func (export "table_get_oob") (result funcref) (table.get 0 (i32.const 9)))
  ;; call_stack_exhausted: loop-free unbounded recursion
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  ;; out_of_fuel (with a budget) / timeout (without fuel, with a deadline)
  (func (export "spin") (loop $l (br $l)))
  ;; Work proportional to the argument: fuel used must be deterministic.
  (func (export "count") (param i32) (result i32) (local i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get 1))
  ;; memory.grow: returns the old size or -1 (declared max 4 pages, and the cap)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 7) (local.get 1)))
)
