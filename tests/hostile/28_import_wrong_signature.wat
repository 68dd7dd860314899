;; Threat: import a real WASI function with the wrong signature (fd_write
;; with one parameter instead of four): a host that bound it anyway would
;; read three arguments that were never passed.
;; Expected: refused before any guest code runs: exit 126, stderr
;;   airlock: error: MODULE: incompatible import type for
;;   wasi_snapshot_preview1.fd_write: expected func i>i, got func iiii>i
;; ("expected" is what the module declares, "got" what the host offers).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32) (result i32)))
  (func (export "_start")
    (drop (call $fd_write (i32.const 1)))))
