;; Threat: the `unreachable` instruction, deep in a call chain and after
;; output: the trap must unwind every frame and not lose what was written.
;; Expected: exit 134, stdout "before\n", stderr "airlock: trap: unreachable".
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "before\n")
  (func $c unreachable)
  (func $b (call $c))
  (func $a (call $b))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8)))
    (call $a)))
