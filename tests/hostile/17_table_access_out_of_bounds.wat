;; Threat: the table instructions (table.get, table.set, table.fill,
;; table.copy) with indexes and lengths past the end of the table, which an
;; engine without checks would turn into reads and writes of host memory.
;; The first one, table.get at index 9 of a 2-slot table, must trap.
;; Expected: exit 134, stderr "airlock: trap: table_out_of_bounds".
(module
  (memory 1)
  (data (i32.const 0) "\09\00\00\00")
  (table $t 2 funcref)
  (func (export "_start")
    (drop (table.get $t (i32.load (i32.const 0))))
    (table.set $t (i32.const 1000) (ref.null func))
    (table.fill $t (i32.const 1) (ref.null func) (i32.const -1))
    (table.copy $t $t (i32.const 0) (i32.const 1) (i32.const 2))))
