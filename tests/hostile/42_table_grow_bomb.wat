;; Threat: grow a table instead of memory to exhaust the host: 16 million
;; elements (hundreds of MiB of host memory for the element array) and then
;; 4294967295. --max-memory caps memories and tables together.
;; Expected under --max-memory 4MiB: both huge grows fail softly (-1, like
;; memory.grow), a small one still works, and so does memory.grow. Exit 0,
;; stdout:
;;   table.grow(16777216) = -1
;;   table.grow(4294967295) = -1
;;   table.grow(1000) = 1
;;   memory.grow(10) = 1
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 64) "table.grow(16777216) = ")
  (data (i32.const 96) "table.grow(4294967295) = ")
  (data (i32.const 128) "table.grow(1000) = ")
  (data (i32.const 160) "memory.grow(10) = ")
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8))))
  ;; Prints "-1\n" for -1 and the digit and "\n" for 0..9 (all this module
  ;; needs), "?\n" otherwise.
  (func $print_small (param $n i32)
    (if (i32.eq (local.get $n) (i32.const -1))
      (then (i32.store16 (i32.const 32) (i32.const 0x312d))  ;; "-1"
            (i32.store8 (i32.const 34) (i32.const 10))
            (call $write (i32.const 32) (i32.const 3))
            (return)))
    (if (i32.lt_u (local.get $n) (i32.const 10))
      (then (i32.store8 (i32.const 32)
                        (i32.add (i32.const 48) (local.get $n))))
      (else (i32.store8 (i32.const 32) (i32.const 63))))    ;; "?"
    (i32.store8 (i32.const 33) (i32.const 10))
    (call $write (i32.const 32) (i32.const 2)))
  (func (export "_start")
    (call $write (i32.const 64) (i32.const 23))
    (call $print_small (table.grow $t (ref.null func) (i32.const 16777216)))
    (call $write (i32.const 96) (i32.const 25))
    (call $print_small (table.grow $t (ref.null func) (i32.const -1)))
    (call $write (i32.const 128) (i32.const 19))
    (call $print_small (table.grow $t (ref.null func) (i32.const 1000)))
    (call $write (i32.const 160) (i32.const 18))
    (call $print_small (memory.grow (i32.const 10)))))
