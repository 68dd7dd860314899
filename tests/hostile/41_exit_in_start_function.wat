;; Threat: proc_exit called from the start function, during instantiation:
;; an embedder that treated every failed instantiation as "module cannot
;; run" would report 126 and hide the guest's own exit code, or would go on
;; to call _start on a half-made instance.
;; Expected: exit 3 (the guest's code), stdout "start ran\n", stderr empty;
;; _start (which would print "_start ran\n") never runs.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
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
    (call $exit (i32.const 3)))
  (start $init)
  (func (export "_start")
    (call $print (i32.const 32) (i32.const 11))))
