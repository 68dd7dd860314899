;; Threat: a module that declares 4 GiB of initial linear memory (65536
;; pages, the most wasm32 allows) so that merely instantiating it would
;; reserve and commit it.
;; Expected: refused before any guest code runs: exit 126, stderr
;;   airlock: error: MODULE: memory of 65536 pages (4 GiB) exceeds the memory
;;   cap of 256 MiB
;; The start function would print "start ran"; nothing is printed.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 65536)
  (data (i32.const 16) "start ran\n")
  (func $init
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 10))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8))))
  (start $init)
  (func (export "_start")))
