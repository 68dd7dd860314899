;; A data segment at 8 MiB: it needs memory the cap does not allow.
(module
  (memory (export "memory") 1 65536)
  (data (i32.const 8388608) "x")
  (func (export "_start")))
