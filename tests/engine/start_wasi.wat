;; A start function (not _start) that writes "from start\n" to stdout through
;; WASI: WASI must be bound before the start function runs.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "from start\n")
  (func $init
    (i32.store (i32.const 0) (i32.const 16))  ;; iov.buf
    (i32.store (i32.const 4) (i32.const 11))  ;; iov.len
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (start $init)
  (func (export "_start")))
