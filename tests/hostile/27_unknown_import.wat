;; Threat: a module that imports a host function airlock does not provide,
;; hoping for a fallback (a dlsym of "system", a stub that does something).
;; Expected: refused before any guest code runs: exit 126, stderr
;;   airlock: error: MODULE: unknown import: env.system
(module
  (import "env" "system" (func $system (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "rm -rf /\00")
  (func (export "_start")
    (drop (call $system (i32.const 0)))))
