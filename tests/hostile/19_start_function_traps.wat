;; Threat: a start function (it runs during instantiation, before _start)
;; that traps after doing some work: an embedder that only expected traps
;; from _start might crash, hang, or report success.
;; The start function prints "start ran\n" and then loads from 64 KiB + 1
;; in a one-page memory.
;; Expected: exit 134, stdout "start ran\n", stderr
;; "airlock: trap: memory_out_of_bounds"; _start (which would print
;; "_start ran\n") never runs.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "start ran\n")
  (data (i32.const 32) "_start ran\n")
  (func $print (param i32 i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.store (i32.const 4) (local.get 1))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8))))
  (func $init
    (call $print (i32.const 16) (i32.const 10))
    (drop (i32.load (i32.const 65537))))
  (start $init)
  (func (export "_start")
    (call $print (i32.const 32) (i32.const 11))))
