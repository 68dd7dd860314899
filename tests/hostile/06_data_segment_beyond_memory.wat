;; Threat: a data segment placed at 8 MiB in a memory of one page whose
;; maximum is 4 GiB: an engine that grew memory to fit the segment would let
;; a module allocate memory without memory.grow (and past the cap).
;; Expected: the segment does not fit the memory as declared, so
;; instantiation traps (the spec's behaviour): exit 134, stderr
;;   airlock: trap: memory_out_of_bounds
;; The start function (which would print "start ran") never runs: segments
;; are initialised before it.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 65536)
  (data (i32.const 16) "start ran\n")
  (data (i32.const 8388608) "x")
  (func $init
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 10))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8))))
  (start $init)
  (func (export "_start")))
