;; Threat: a start function that never returns. It runs during
;; instantiation, before _start: an embedder that armed its timeout (or fuel)
;; only around _start would hang here for ever.
;; Expected: with --timeout 300ms: exit 134, stderr "airlock: trap: timeout".
;; With --fuel 1_000_000: exit 134, stderr "airlock: trap: out_of_fuel".
;; _start (which would print "_start ran\n") never runs.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "_start ran\n")
  (func $init (loop $spin (br $spin)))
  (start $init)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 11))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8)))))
